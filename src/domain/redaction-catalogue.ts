/**
 * Provider tokens recognisable by their own shape (a distinctive prefix, a
 * fixed length). Reference data: gitleaks' default rules (config/gitleaks.toml,
 * © 2019 Zachary Rice, MIT) and secretlint's recommended preset
 * (packages/@secretlint/secretlint-rule-*, © 2020 azu, MIT). Each entry names
 * the rules it follows; the expressions are rewritten for JavaScript, not
 * copied: no leading word boundary where the prefix is distinctive, so a token
 * glued to other text (`token_ghp_…`, `xghp_…`) is still found, and every
 * repetition is bounded, so no input makes them scan quadratically.
 * Keywords feed the pre-filter (redaction-prefilter.ts), as gitleaks' do.
 */
import type { RedactionRule } from "./redaction-rule";

const token = (source: string, keywords: readonly string[], pattern: RegExp, accept?: RedactionRule["accept"]): RedactionRule => ({
  kind: "api_key",
  source,
  keywords,
  pattern,
  ...(accept ? { accept } : {}),
});

const hasDigit = (s: string) => /[0-9]/.test(s);

/**
 * A base64 character also as URL-encoded (`%2B`, `%2F`) or JSON-escaped
 * (`\/`) text carries it: stopping at the first escape would leave the rest.
 */
const B64 = String.raw`(?:[A-Za-z0-9+/]|%2[BbFf]|\\\/)`;
const PAD = String.raw`(?:=|%3[Dd])`;
const re = (source: string) => new RegExp(source, "g");

/** A generic `sk-` key (DeepSeek, Moonshot, proxies…) is one long random run, not a kebab-case name like `sk-learn-docs`. */
const looksRandom = (s: string) => hasDigit(s) && s.split(/[-_]/).some((part) => part.length >= 16);

export const TOKEN_RULES: readonly RedactionRule[] = [
  // Cloud
  token(
    "gitleaks aws-access-token; secretlint-rule-aws",
    ["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
    /(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  ),
  token("gitleaks aws-amazon-bedrock-api-key-long-lived", ["ABSK"], re(String.raw`(?<![A-Za-z0-9+/])ABSK${B64}{109,269}${PAD}{0,2}`)),
  token("gitleaks gcp-api-key", ["AIza"], /AIza[A-Za-z0-9_-]{35}/g),
  token("gitleaks azure-ad-client-secret", ["Q~"], /[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}/g),
  token("gitleaks alibaba-access-key-id", ["LTAI"], /LTAI[A-Za-z0-9]{20}/g),
  token("gitleaks cloudflare-origin-ca-key", ["v1.0-"], /v1\.0-[a-f0-9]{24}-[a-f0-9]{146}/g),
  token("secretlint-rule-cloudflare", ["cfk_", "cfut_", "cfat_"], /cf(?:k|ut|at)_[A-Za-z0-9]{40}[0-9a-f]{8}/g),
  token("gitleaks digitalocean-pat, -access-token, -refresh-token", ["dop_v1_", "doo_v1_", "dor_v1_"], /do[opr]_v1_[a-f0-9]{64}/g),
  token("gitleaks heroku-api-key-v2", ["HRKU-AA"], /HRKU-AA[A-Za-z0-9_-]{58}/g),
  token("gitleaks flyio-access-token", ["fo1_", "fm1", "fm2_"], re(String.raw`fo1_[A-Za-z0-9_-]{43}|fm(?:1[ar]|2)_${B64}{100,2000}${PAD}{0,3}`)),
  token("gitleaks hashicorp-tf-api-token", ["atlasv1"], /[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}/g),
  token("gitleaks vault-service-token, vault-batch-token; secretlint-rule-hashicorp-vault", ["hvs.", "hvb.", "hvr."], /hv[sbr]\.[A-Za-z0-9_-]{90,300}/g),
  token("secretlint-rule-vercel", ["vcp_", "vci_", "vca_", "vcr_", "vck_"], /vc[pciark]_[A-Za-z0-9]{20,60}/g),
  token("secretlint-rule-tailscale", ["tskey-"], /tskey-[a-z]{2,20}-[A-Za-z0-9_]{8,40}-[A-Za-z0-9_]{16,60}/g),
  token("gitleaks databricks-api-token; secretlint-rule-databricks", ["dapi"], /dapi[a-fA-F0-9]{32}(?:-[0-9])?/g),
  token("gitleaks doppler-api-token", ["dp.pt."], /dp\.pt\.[A-Za-z0-9]{43}/g),
  token("gitleaks dynatrace-api-token", ["dt0c01."], /dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}/g),
  token("gitleaks pulumi-api-token", ["pul-"], /pul-[a-f0-9]{40}/g),
  token("gitleaks planetscale-api-token, -oauth-token, -password", ["pscale_"], /pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_.=-]{32,64}/g),
  token("gitleaks openshift-user-token", ["sha256~"], /sha256~[A-Za-z0-9_-]{43}/g),
  // Forges and CI
  token("secretlint-rule-github (app installation token)", ["ghs_"], /ghs_[0-9]{1,20}_[A-Za-z0-9_-]{1,1000}\.[A-Za-z0-9_-]{1,4000}\.[A-Za-z0-9_-]{1,1000}/g),
  token(
    "gitleaks github-pat, github-oauth, github-app-token, github-refresh-token; secretlint-rule-github",
    ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    /gh[pousr]_[A-Za-z0-9_]{30,255}/g,
  ),
  token("gitleaks github-fine-grained-pat; secretlint-rule-github", ["github_pat_"], /github_pat_[A-Za-z0-9_]{22,255}/g),
  token(
    "gitleaks gitlab-pat, -pat-routable, -deploy-token, -feed-token, -runner-authentication-token, -scim-token, -feature-flag-client-token, -incoming-mail-token, -kubernetes-agent-token, -oauth-app-secret, -ptt, -cicd-job-token; secretlint-rule-gitlab",
    ["glpat-", "gldt-", "glft-", "glrt-", "glsoat-", "glffct-", "glimt-", "glagent-", "gloas-", "glptt-", "glcbt-"],
    /gl(?:pat|dt|ft|rt|soat|ffct|imt|agent|oas|ptt|cbt)-[A-Za-z0-9_.-]{20,300}/g,
  ),
  token("gitleaks gitlab-rrt", ["GR1348941"], /GR1348941[A-Za-z0-9_-]{20}/g),
  token("gitleaks gitlab-session-cookie", ["_gitlab_session"], /_gitlab_session=[0-9a-z]{32}/g),
  token("gitleaks octopus-deploy-api-key", ["API-"], /(?<![A-Za-z0-9])API-[A-Z0-9]{26}(?![A-Za-z0-9])/g),
  token("gitleaks harness-api-key", ["pat.", "sat."], /(?:pat|sat)\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}/g),
  token("gitleaks sentry-user-token, sentry-org-token", ["sntryu_", "sntrys_"], re(String.raw`sntry[us]_(?:${B64}|[=_]){40,600}`)),
  token("gitleaks settlemint-*-access-token", ["sm_aat_", "sm_pat_", "sm_sat_"], /sm_(?:aat|pat|sat)_[A-Za-z0-9]{16}/g),
  token("gitleaks scalingo-api-token", ["tk-us-"], /tk-us-[A-Za-z0-9_-]{48}/g),
  token("gitleaks infracost-api-token", ["ico-"], /(?<![A-Za-z0-9])ico-[A-Za-z0-9]{32}/g),
  token("gitleaks postman-api-token", ["PMAK-"], /PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}/g),
  token("gitleaks prefect-api-token", ["pnu_"], /pnu_[A-Za-z0-9]{36}/g),
  token("gitleaks readme-api-token", ["rdme_"], /rdme_[a-z0-9]{70}/g),
  token(
    "gitleaks new-relic-user-api-key, -insert-key, -browser-api-token",
    ["NRAK-", "NRII-", "NRJS-"],
    /(?:NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9-]{32}|NRJS-[a-f0-9]{19})/g,
  ),
  token("gitleaks grafana-service-account-token; secretlint-rule-grafana", ["glsa_"], /glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}/g),
  token("gitleaks grafana-cloud-api-token; secretlint-rule-grafana", ["glc_"], re(String.raw`glc_${B64}{32,400}${PAD}{0,3}`)),
  token("gitleaks grafana-api-key", ["eyJrIjoi"], re(String.raw`eyJrIjoi[A-Za-z0-9]{70,400}${PAD}{0,3}`)),
  token("gitleaks 1password-service-account-token; secretlint-rule-1password", ["ops_eyJ"], re(String.raw`ops_eyJ${B64}{100,4000}${PAD}{0,3}`)),
  token("gitleaks 1password-secret-key", ["A3-"], /A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}/g),
  token("gitleaks linear-api-key; secretlint-rule-linear", ["lin_api_"], /lin_api_[A-Za-z0-9_]{32,128}/g),
  token("gitleaks notion-api-token; secretlint-rule-notion", ["ntn_"], /ntn_[0-9]{11}[A-Za-z0-9]{35}/g),
  token("secretlint-rule-figma", ["figd_"], /figd_[A-Za-z0-9_-]{40,200}/g),
  token("secretlint-rule-docker", ["dckr_pat_"], /dckr_pat_[A-Za-z0-9_-]{27,64}/g),
  token("gitleaks typeform-api-token", ["tfp_"], /tfp_[A-Za-z0-9_.=-]{59}/g),
  // Chat and mail
  token(
    "gitleaks slack-bot-token, -user-token, -legacy-*-token, -config-*-token; secretlint-rule-slack",
    ["xox"],
    /xox[abeoprs](?:\.xox[bp])?-[A-Za-z0-9-]{8,300}/g,
    // Every Slack token carries a numeric team or user id; "xoxo-gossip-girl" does not.
    (match) => hasDigit(match),
  ),
  token("gitleaks slack-app-token; secretlint-rule-slack", ["xapp-"], /xapp-[0-9]-[A-Za-z0-9-]{10,300}/g),
  token("gitleaks telegram-bot-api-token (without its keyword-proximity prefix)", [":A"], /(?<![0-9])[0-9]{5,16}:A[A-Za-z0-9_-]{34}(?![A-Za-z0-9_-])/g),
  token("gitleaks sendgrid-api-token; secretlint-rule-sendgrid", ["SG."], /SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}/g),
  token("gitleaks sendinblue-api-token", ["xkeysib-"], /xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}/g),
  token("gitleaks twilio-api-key", ["SK"], /SK[0-9a-fA-F]{32}(?![0-9a-fA-F])/g),
  token("gitleaks facebook-page-access-token", ["EAAM", "EAAC"], /(?<![A-Za-z0-9+/])EAA[MC][A-Za-z0-9]{100,1000}/g),
  // Payments
  token(
    "gitleaks stripe-access-token; secretlint-rule-stripe",
    ["sk_live", "sk_test", "sk_prod", "rk_live", "rk_test", "rk_prod"],
    /[rs]k_(?:live|test|prod)_[A-Za-z0-9]{10,247}/g,
  ),
  token("gitleaks square-access-token (sq0 prefixes only: EAAA also starts base64 data)", ["sq0atp-", "sq0csp-"], /sq0(?:atp|csp)-[A-Za-z0-9_-]{22,60}/g),
  token(
    "gitleaks shopify-access-token, -custom-access-token, -private-app-access-token, -shared-secret; secretlint-rule-shopify",
    ["shpat_", "shpca_", "shppa_", "shpss_"],
    /shp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,64}/g,
  ),
  token("gitleaks shippo-api-token", ["shippo_"], /shippo_(?:live|test)_[a-fA-F0-9]{40}/g),
  token("gitleaks flutterwave-secret-key, -encryption-key, -public-key", ["FLWSECK_", "FLWPUBK_"], /FLW(?:SECK|PUBK)_TEST-[a-hA-H0-9]{12,32}(?:-X)?/g),
  token("gitleaks duffel-api-token", ["duffel_"], /duffel_(?:test|live)_[A-Za-z0-9_=-]{43}/g),
  token("gitleaks easypost-api-token, easypost-test-api-token", ["EZAK", "EZTK"], /EZ[AT]K[A-Za-z0-9]{54}/g),
  // Registries
  token("gitleaks npm-access-token; secretlint-rule-npm", ["npm_"], /npm_[A-Za-z0-9]{36,64}/g),
  token("gitleaks pypi-upload-token", ["pypi-AgE"], /pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,1000}/g),
  token("gitleaks rubygems-api-token", ["rubygems_"], /rubygems_[a-f0-9]{48}/g),
  token("gitleaks clojars-api-token", ["clojars_"], /CLOJARS_[A-Za-z0-9]{60}/gi),
  token("gitleaks artifactory-api-key", ["AKCp"], /(?<![A-Za-z0-9+/])AKCp[A-Za-z0-9]{69}/g),
  token("gitleaks artifactory-reference-token", ["cmVmd"], /(?<![A-Za-z0-9+/])cmVmd[A-Za-z0-9]{59}(?![A-Za-z0-9+/=])/g),
  // AI providers
  token("gitleaks openai-api-key; secretlint-rule-openai", ["sk-proj-", "sk-svcacct-", "sk-admin-"], /sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,400}/g),
  token("gitleaks openai-api-key (legacy); secretlint-rule-openai", ["T3BlbkFJ"], /sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}/g),
  token("gitleaks anthropic-api-key, anthropic-admin-api-key; secretlint-rule-anthropic", ["sk-ant-"], /sk-ant-[a-z]{2,8}[0-9]{2}-[A-Za-z0-9_-]{20,200}/g),
  token("gleaner: other `sk-` provider keys", ["sk-"], /(?<![A-Za-z0-9-])sk-[A-Za-z0-9_-]{20,200}/g, looksRandom),
  token("gitleaks huggingface-access-token; secretlint-rule-huggingface", ["hf_"], /hf_[A-Za-z0-9]{30,64}/g),
  token("gitleaks huggingface-organization-api-token", ["api_org_"], /api_org_[A-Za-z]{34}/g),
  token("secretlint-rule-groq", ["gsk_"], /gsk_[A-Za-z0-9]{52}/g),
  token("gitleaks perplexity-api-key", ["pplx-"], /pplx-[A-Za-z0-9]{48}/g),
];

/** Webhook URLs: whoever holds one can post as the integration. */
export const WEBHOOK_RULES: readonly RedactionRule[] = [
  {
    kind: "webhook_url",
    source: "gitleaks slack-webhook-url; secretlint-rule-slack (IncomingWebhook)",
    keywords: ["hooks.slack.com"],
    pattern: /(?:https?:\/\/)?hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/_-]{20,300}/g,
  },
  {
    kind: "webhook_url",
    source: "gleaner (neither catalogue has one): Discord's webhook URL format",
    keywords: ["discord"],
    pattern: /(?:https?:\/\/)?(?:ptb\.|canary\.)?discord(?:app)?\.com\/api(?:\/v[0-9]{1,2})?\/webhooks\/[0-9]{5,30}\/[A-Za-z0-9_-]{20,200}/g,
  },
  {
    kind: "webhook_url",
    source: "gitleaks microsoft-teams-webhook",
    keywords: ["webhook.office.com"],
    pattern: /https:\/\/[A-Za-z0-9-]{1,63}\.webhook\.office\.com\/webhookb2\/[A-Za-z0-9@/_-]{20,400}/g,
  },
];

/** JSON Web Tokens (header and payload are base64url JSON, so both start `ey`). */
export const JWT_RULE: RedactionRule = {
  kind: "jwt",
  source: "gitleaks jwt",
  keywords: ["eyJ"],
  pattern: /eyJ[A-Za-z0-9_-]{8,512}\.ey[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{0,2048}/g,
};

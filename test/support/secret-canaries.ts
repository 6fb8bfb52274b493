/**
 * Fake secrets, one per family the redaction catalogue covers
 * (docs/redaction.md), each in a realistic sentence or config line.
 *
 * Every value is assembled at run time from a prefix and a seeded filler, so
 * no complete token sits in this repository for a secret scanner to flag, and
 * every `secret` is unique: a plain-text search for it finds only leaks.
 * Formats follow gitleaks' default rules and secretlint's recommended preset
 * (both MIT); `secretlint` names the rule of the preset this repository pins
 * (@secretlint/secretlint-rule-preset-recommend 12.0.0) that matches `text`
 * where it has one, so an end-to-end test can check the canary is live before
 * redaction and that nothing is left after. (Newer secretlint also has
 * Stripe, Cloudflare and Tailscale rules; its npm rule reads `_authToken` only
 * in files named `.npmrc`.)
 */
export interface Canary {
  family: string;
  /** The exact substring that must never be stored. */
  secret: string;
  /** A realistic sentence or config line holding it. */
  text: string;
  /** The redaction kind counted when `text` is scrubbed. */
  kind: string;
  /** True when the secret is recognisable on its own (a distinctive prefix), so it is also sent glued to other text. */
  standalone: boolean;
  /** A key it naturally lives under in a structured object, for `structured()`. */
  key?: string;
  /** The rule of the pinned secretlint recommended preset that matches `text`, where one exists. */
  secretlint?: string;
}

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = "0123456789abcdef";
const B64 = `${ALNUM}+/`;
const B64URL = `${ALNUM}-_`;
const AWS_ID = `${UPPER}234567`;

/** `length` characters of `alphabet`, the same for the same seed and different across seeds (FNV-1a, then xorshift32). */
function fill(seed: string, length: number, alphabet: string = ALNUM): string {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  let out = "";
  for (let i = 0; i < length; i++) {
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
    out += alphabet[(h >>> 0) % alphabet.length];
  }
  return out;
}

/** Like `fill`, but the last character is alphanumeric (scanners anchor on a word boundary there). */
const fillEnd = (seed: string, length: number, alphabet: string) => fill(seed, length - 1, alphabet) + fill(`${seed}$`, 1);

/** A password-like value: letters and digits, always with a digit and an upper-case letter. */
const password = (seed: string, length = 20) => `${fill(seed, length - 2)}7Q`;

const base64url = (text: string) => btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

/** PEM body lines (64 columns) that start with `head`. */
function pemLines(seed: string, head: string, lines: number): string[] {
  const body = head + fill(seed, lines * 64 - head.length, B64);
  return Array.from({ length: lines }, (_, i) => body.slice(i * 64, i * 64 + 64));
}

function pem(label: string, seed: string, head: string): { secret: string; block: string } {
  const lines = pemLines(seed, head, 5);
  return { secret: lines[0]!, block: [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join("\n") };
}

const canary = (c: Canary): Canary => c;

function buildCanaries(): Canary[] {
  const rsa = pem("RSA PRIVATE KEY", "pem-rsa", "MIIEowIBAAKCAQEA");
  const openssh = pem("OPENSSH PRIVATE KEY", "openssh", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW");
  const pgpLines = pemLines("pgp", "lQdGBGZ", 6);
  const gcpLines = pemLines("gcp-sa", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", 5);
  const onePassword = (() => {
    let json = JSON.stringify({
      signInAddress: "gleaner.1password.com",
      userAuth: { method: "SRPg-4096", alg: "PBES2g-HS256", iterations: 650000, salt: fill("1p-salt", 22, B64URL) },
      email: `${fill("1p-mail", 10, LOWER)}@1passwordserviceaccounts.com`,
      srpX: fill("1p-srpx", 64, HEX),
      muk: { alg: "A256GCM", ext: true, k: fill("1p-muk", 43, B64URL), key_ops: ["encrypt", "decrypt"], kty: "oct", kid: "mp" },
      secretKey: `A3-${fill("1p-sk", 6, AWS_ID)}-${fill("1p-sk2", 6, AWS_ID)}`,
      deviceUuid: fill("1p-dev", 26, LOWER + DIGITS),
    });
    while (json.length % 3 !== 1) json = `${json.slice(0, -1)} }`;
    return `ops_${btoa(json)}`;
  })();
  const basic = btoa(`deploy-bot:${password("basic-auth", 22)}`);
  const jwt = [
    base64url(JSON.stringify({ alg: "HS256", typ: "JWT" })),
    base64url(JSON.stringify({ sub: `user-${fill("jwt-sub", 12, LOWER + DIGITS)}`, iat: 1767225600, scope: "events:write" })),
    fillEnd("jwt-sig", 43, B64URL),
  ].join(".");
  const pgPassword = `${fill("pg-a", 6)}@${fill("pg-b", 14)}9`;

  const s = {
    akia: `AKIA${fill("aws-akia", 16, AWS_ID)}`,
    asia: `ASIA${fill("aws-asia", 16, AWS_ID)}`,
    awsSecret: fillEnd("aws-secret", 40, B64),
    gcpKey: `AIza${fillEnd("gcp-key", 35, B64URL)}`,
    azureKey: `${fill("azure-key", 86, B64)}==`,
    azureAd: `${fill("azure-ad", 3)}8Q~${fillEnd("azure-ad-2", 34, `${ALNUM}_~.-`)}`,
    ghp: `ghp_${fill("ghp", 36)}`,
    gho: `gho_${fill("gho", 36)}`,
    ghu: `ghu_${fill("ghu", 36)}`,
    ghs: `ghs_${fill("ghs", 36)}`,
    ghr: `ghr_${fill("ghr", 36)}`,
    ghFine: `github_pat_11${fill("gh-fine-a", 20, UPPER + DIGITS)}_${fill("gh-fine-b", 59)}`,
    glpat: `glpat-${fillEnd("glpat", 20, B64URL)}`,
    xoxb: `xoxb-${fill("xoxb-t", 11, DIGITS)}-${fill("xoxb-u", 13, DIGITS)}-${fill("xoxb", 24)}`,
    xoxp: `xoxp-${fill("xoxp-t", 11, DIGITS)}-${fill("xoxp-u", 11, DIGITS)}-${fill("xoxp-v", 13, DIGITS)}-${fill("xoxp", 32, HEX)}`,
    xapp: `xapp-1-A${fill("xapp-a", 10, UPPER + DIGITS)}-${fill("xapp-d", 13, DIGITS)}-${fill("xapp", 64, HEX)}`,
    slackHook: fill("slack-hook", 24),
    discordHook: fillEnd("discord-hook", 68, B64URL),
    telegram: `${fill("tg-id", 10, DIGITS)}:AA${fillEnd("tg", 33, B64URL)}`,
    sendgrid: `SG.${fill("sg-a", 22, `${ALNUM}_`)}.${fillEnd("sg-b", 43, `${ALNUM}_`)}`,
    twilio: `SK${fill("twilio", 32, HEX)}`,
    stripe: `sk_live_51${fill("stripe-sk", 97)}`,
    stripeRestricted: `rk_live_51${fill("stripe-rk", 40)}`,
    npm: `npm_${fill("npm", 36)}`,
    npmrc: [fill("npmrc-a", 8, HEX), fill("npmrc-b", 4, HEX), fill("npmrc-c", 4, HEX), fill("npmrc-d", 4, HEX), fill("npmrc-e", 12, HEX)].join("-"),
    pypi: `pypi-AgEIcHlwaS5vcmc${fillEnd("pypi", 150, B64URL)}`,
    openaiProject: `sk-proj-${fill("oai-a", 74, B64URL)}T3Blbk${"FJ"}${fillEnd("oai-b", 74, B64URL)}`,
    openaiLegacy: `sk-${fill("oai-old-a", 20)}T3Blbk${"FJ"}${fill("oai-old-b", 20)}`,
    anthropic: `sk-ant-api03-${fill("anthropic", 93, B64URL)}AA`,
    huggingface: `hf_${fill("hf", 34, UPPER + LOWER)}`,
    groq: `gsk_${fill("groq", 52)}`,
    perplexity: `pplx-${fill("pplx", 48)}`,
    bearer: `${fill("bearer", 30)}.${fill("bearer-2", 9, DIGITS)}`,
    curlUser: password("curl-user", 18),
    shopify: `shpat_${fill("shopify", 32, HEX)}`,
    grafana: `glsa_${fill("grafana", 32)}_${fill("grafana-2", 8, HEX)}`,
    linear: `lin_api_${fill("linear", 40)}`,
    notion: `ntn_${fill("notion-d", 11, DIGITS)}${fill("notion", 35)}`,
    vault: `hvs.${fillEnd("vault", 95, B64URL)}`,
    vercel: `vcp_${fill("vercel", 40)}`,
    databricks: `dapi${fill("databricks", 32, HEX)}`,
    docker: `dckr_pat_${fillEnd("docker", 27, B64URL)}`,
    figma: `figd_${fillEnd("figma", 40, B64URL)}`,
    cloudflare: `cfut_${fill("cloudflare", 40)}${fill("cloudflare-2", 8, HEX)}`,
    tailscale: `tskey-auth-k${fill("tailscale-a", 11)}-${fill("tailscale-b", 32)}`,
    digitalocean: `dop_v1_${fill("digitalocean", 64, HEX)}`,
  };

  return [
    // Cloud
    canary({ family: "aws-access-key-id", kind: "api_key", standalone: true, secret: s.akia, text: `export AWS_ACCESS_KEY_ID=${s.akia}` }),
    canary({
      family: "aws-temporary-access-key-id",
      kind: "api_key",
      standalone: true,
      secret: s.asia,
      text: `STS answered {"AccessKeyId": "${s.asia}", "Expiration": "2026-09-01T00:00:00Z"}`,
    }),
    canary({
      family: "aws-secret-access-key",
      kind: "api_key",
      standalone: false,
      key: "aws_secret_access_key",
      secret: s.awsSecret,
      secretlint: "@secretlint/secretlint-rule-aws",
      text: `[default]\nregion = eu-west-1\naws_secret_access_key = ${s.awsSecret}\n`,
    }),
    canary({
      family: "gcp-api-key",
      kind: "api_key",
      standalone: true,
      key: "api_key",
      secret: s.gcpKey,
      text: `curl "https://maps.googleapis.com/maps/api/geocode/json?address=Lyon&key=${s.gcpKey}"`,
    }),
    canary({
      family: "gcp-service-account-private-key",
      kind: "private_key",
      standalone: false,
      key: "private_key",
      secret: gcpLines[0]!,
      secretlint: "@secretlint/secretlint-rule-privatekey",
      text: `{"type": "service_account", "project_id": "gleaner-prod", "private_key_id": "${fill("gcp-kid", 40, HEX)}", "private_key": "-----BEGIN PRIVATE KEY-----\\n${gcpLines.join("\\n")}\\n-----END PRIVATE KEY-----\\n", "client_email": "ingest@gleaner-prod.iam.gserviceaccount.com"}`,
    }),
    canary({
      family: "azure-storage-connection-string",
      kind: "api_key",
      standalone: false,
      key: "AccountKey",
      secret: s.azureKey,
      text: `AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName=gleanerlogs;AccountKey=${s.azureKey};EndpointSuffix=core.windows.net"`,
    }),
    canary({
      family: "azure-ad-client-secret",
      kind: "api_key",
      standalone: true,
      key: "client_secret",
      secret: s.azureAd,
      text: `az login --service-principal -u gleaner-ci -p ${s.azureAd} --tenant gleaner.onmicrosoft.com`,
    }),
    // Forges
    canary({
      family: "github-pat",
      kind: "api_key",
      standalone: true,
      key: "GITHUB_TOKEN",
      secret: s.ghp,
      secretlint: "@secretlint/secretlint-rule-github",
      text: `export GITHUB_TOKEN=${s.ghp}`,
    }),
    canary({
      family: "github-oauth",
      kind: "api_key",
      standalone: true,
      key: "access_token",
      secret: s.gho,
      secretlint: "@secretlint/secretlint-rule-github",
      text: `{"access_token": "${s.gho}", "token_type": "bearer", "scope": "repo"}`,
    }),
    canary({
      family: "github-user-to-server",
      kind: "api_key",
      standalone: true,
      key: "token",
      secret: s.ghu,
      secretlint: "@secretlint/secretlint-rule-github",
      text: `curl -H "Authorization: token ${s.ghu}" https://api.github.com/user`,
    }),
    canary({
      family: "github-server-to-server",
      kind: "api_key",
      standalone: true,
      key: "GH_TOKEN",
      secret: s.ghs,
      secretlint: "@secretlint/secretlint-rule-github",
      text: `GH_TOKEN=${s.ghs} gh api repos/gleaner/app/actions/runs`,
    }),
    canary({
      family: "github-refresh-token",
      kind: "api_key",
      standalone: true,
      key: "refresh_token",
      secret: s.ghr,
      secretlint: "@secretlint/secretlint-rule-github",
      text: `POST /login/oauth/access_token refresh_token=${s.ghr}&grant_type=refresh_token`,
    }),
    canary({
      family: "github-fine-grained-pat",
      kind: "api_key",
      standalone: true,
      key: "token",
      secret: s.ghFine,
      secretlint: "@secretlint/secretlint-rule-github",
      text: `echo ${s.ghFine} | gh auth login --with-token`,
    }),
    canary({
      family: "gitlab-pat",
      kind: "api_key",
      standalone: true,
      key: "private_token",
      secret: s.glpat,
      secretlint: "@secretlint/secretlint-rule-gitlab",
      text: `curl --header "PRIVATE-TOKEN: ${s.glpat}" https://gitlab.com/api/v4/projects`,
    }),
    // Chat and mail
    canary({
      family: "slack-bot-token",
      kind: "api_key",
      standalone: true,
      key: "SLACK_BOT_TOKEN",
      secret: s.xoxb,
      secretlint: "@secretlint/secretlint-rule-slack",
      text: `SLACK_BOT_TOKEN=${s.xoxb}`,
    }),
    canary({
      family: "slack-user-token",
      kind: "api_key",
      standalone: true,
      key: "token",
      secret: s.xoxp,
      secretlint: "@secretlint/secretlint-rule-slack",
      text: `client.chat_postMessage(token="${s.xoxp}", channel="#ops", text="deployed")`,
    }),
    canary({
      family: "slack-app-token",
      kind: "api_key",
      standalone: true,
      key: "SLACK_APP_TOKEN",
      secret: s.xapp,
      secretlint: "@secretlint/secretlint-rule-slack",
      text: `SLACK_APP_TOKEN=${s.xapp} python socket_mode_bot.py`,
    }),
    canary({
      family: "slack-webhook-url",
      kind: "webhook_url",
      standalone: false,
      secret: s.slackHook,
      secretlint: "@secretlint/secretlint-rule-slack",
      text: `Alerts post to https://hooks.slack.com/services/T${fill("slack-t", 10, UPPER + DIGITS)}/B${fill("slack-b", 10, UPPER + DIGITS)}/${s.slackHook} when the queue backs up.`,
    }),
    canary({
      family: "discord-webhook-url",
      kind: "webhook_url",
      standalone: false,
      secret: s.discordHook,
      text: `DISCORD_WEBHOOK=https://discord.com/api/webhooks/${fill("discord-id", 19, DIGITS)}/${s.discordHook}`,
    }),
    canary({
      family: "telegram-bot-token",
      kind: "api_key",
      standalone: true,
      secret: s.telegram,
      text: `curl https://api.telegram.org/bot${s.telegram}/sendMessage -d chat_id=42 -d text=deployed`,
    }),
    canary({
      family: "sendgrid-api-key",
      kind: "api_key",
      standalone: true,
      key: "SENDGRID_API_KEY",
      secret: s.sendgrid,
      secretlint: "@secretlint/secretlint-rule-sendgrid",
      text: `SENDGRID_API_KEY=${s.sendgrid}`,
    }),
    canary({
      family: "twilio-api-key",
      kind: "api_key",
      standalone: true,
      secret: s.twilio,
      text: `client = Client("${s.twilio}", api_secret, account_sid="AC${fill("twilio-ac", 32, HEX)}")`,
    }),
    // Payments
    canary({
      family: "stripe-secret-key",
      kind: "api_key",
      standalone: true,
      key: "api_key",
      secret: s.stripe,
      text: `stripe.api_key = "${s.stripe}"`,
    }),
    canary({
      family: "stripe-restricted-key",
      kind: "api_key",
      standalone: true,
      key: "STRIPE_KEY",
      secret: s.stripeRestricted,
      text: `The payouts job reads STRIPE_KEY=${s.stripeRestricted} from its environment.`,
    }),
    // Registries
    canary({
      family: "npm-access-token",
      kind: "api_key",
      standalone: true,
      key: "NPM_TOKEN",
      secret: s.npm,
      secretlint: "@secretlint/secretlint-rule-npm",
      text: `NPM_TOKEN=${s.npm} npm publish --access public`,
    }),
    canary({
      family: "npmrc-auth-token",
      kind: "api_key",
      standalone: false,
      key: "_authToken",
      secret: s.npmrc,
      text: `//registry.npmjs.org/:_authToken=${s.npmrc}`,
    }),
    canary({
      family: "pypi-upload-token",
      kind: "api_key",
      standalone: true,
      key: "password",
      secret: s.pypi,
      text: `[pypi]\n  username = __token__\n  password = ${s.pypi}\n`,
    }),
    // AI providers
    canary({
      family: "openai-project-key",
      kind: "api_key",
      standalone: true,
      key: "OPENAI_API_KEY",
      secret: s.openaiProject,
      secretlint: "@secretlint/secretlint-rule-openai",
      text: `OPENAI_API_KEY=${s.openaiProject}`,
    }),
    canary({
      family: "openai-legacy-key",
      kind: "api_key",
      standalone: true,
      key: "api_key",
      secret: s.openaiLegacy,
      secretlint: "@secretlint/secretlint-rule-openai",
      text: `openai.api_key = "${s.openaiLegacy}"`,
    }),
    canary({
      family: "anthropic-api-key",
      kind: "api_key",
      standalone: true,
      key: "x-api-key",
      secret: s.anthropic,
      secretlint: "@secretlint/secretlint-rule-anthropic",
      text: `curl https://api.anthropic.com/v1/messages -H "x-api-key: ${s.anthropic}"`,
    }),
    canary({
      family: "huggingface-token",
      kind: "api_key",
      standalone: true,
      key: "HF_TOKEN",
      secret: s.huggingface,
      secretlint: "@secretlint/secretlint-rule-huggingface",
      text: `huggingface-cli login --token ${s.huggingface}`,
    }),
    canary({
      family: "groq-api-key",
      kind: "api_key",
      standalone: true,
      key: "GROQ_API_KEY",
      secret: s.groq,
      secretlint: "@secretlint/secretlint-rule-groq",
      text: `GROQ_API_KEY=${s.groq}`,
    }),
    canary({
      family: "perplexity-api-key",
      kind: "api_key",
      standalone: true,
      secret: s.perplexity,
      text: `The client was built with Perplexity("${s.perplexity}") in notebook cell 3.`,
    }),
    // Tokens and headers
    canary({ family: "jwt", kind: "jwt", standalone: true, key: "id_token", secret: jwt, text: `Set-Cookie: session=${jwt}; Path=/; HttpOnly; Secure` }),
    canary({
      family: "authorization-basic",
      kind: "basic_auth",
      standalone: false,
      key: "authorization",
      secret: basic,
      text: `curl -H "Authorization: Basic ${basic}" https://ci.gleaner.dev/api/builds`,
    }),
    canary({
      family: "authorization-bearer",
      kind: "bearer_token",
      standalone: false,
      key: "authorization",
      secret: s.bearer,
      text: `GET /v1/events HTTP/1.1\r\nAuthorization: Bearer ${s.bearer}\r\n`,
    }),
    canary({
      family: "curl-user",
      kind: "basic_auth",
      standalone: false,
      secret: s.curlUser,
      text: `curl -u admin:${s.curlUser} https://jenkins.gleaner.dev/job/deploy/build`,
    }),
    // Private keys
    canary({
      family: "pem-private-key",
      kind: "private_key",
      standalone: false,
      key: "private_key",
      secret: rsa.secret,
      secretlint: "@secretlint/secretlint-rule-privatekey",
      text: `Here is the deploy key:\n${rsa.block}\n`,
    }),
    canary({
      family: "openssh-private-key",
      kind: "private_key",
      standalone: false,
      key: "ssh_private_key",
      secret: openssh.secret,
      secretlint: "@secretlint/secretlint-rule-privatekey",
      text: `cat ~/.ssh/id_ed25519\n${openssh.block}`,
    }),
    canary({
      family: "pgp-private-key-block",
      kind: "private_key",
      standalone: false,
      secret: pgpLines[0]!,
      text: ["-----BEGIN PGP PRIVATE KEY BLOCK-----", "", ...pgpLines, `=${fill("pgp-crc", 4, B64)}`, "-----END PGP PRIVATE KEY BLOCK-----"].join("\n"),
    }),
    // Connection strings
    canary({
      family: "postgres-url",
      kind: "url_password",
      standalone: false,
      secret: pgPassword,
      secretlint: "@secretlint/secretlint-rule-database-connection-string",
      text: `DATABASE_URL=postgres://gleaner:${pgPassword}@db.internal.gleaner.dev:5432/events?sslmode=require`,
    }),
    canary({
      family: "mysql-url",
      kind: "url_password",
      standalone: false,
      secret: password("mysql"),
      secretlint: "@secretlint/secretlint-rule-database-connection-string",
      text: `mysql://reporting:${password("mysql")}@mysql.internal:3306/analytics`,
    }),
    canary({
      family: "mongodb-srv-url",
      kind: "url_password",
      standalone: false,
      secret: password("mongo"),
      secretlint: "@secretlint/secretlint-rule-database-connection-string",
      text: `const client = new MongoClient("mongodb+srv://ingest:${password("mongo")}@cluster0.ab1cd.mongodb.net/events?retryWrites=true");`,
    }),
    canary({
      family: "redis-url",
      kind: "url_password",
      standalone: false,
      secret: password("redis"),
      text: `REDIS_URL=redis://:${password("redis")}@cache.internal:6379/0`,
    }),
    canary({
      family: "amqp-url",
      kind: "url_password",
      standalone: false,
      secret: password("amqp"),
      text: `celery -A tasks worker --broker amqps://worker:${password("amqp")}@rabbit.internal:5671/gleaner`,
    }),
    canary({
      family: "https-basic-auth-url",
      kind: "url_password",
      standalone: false,
      secret: password("https-url"),
      secretlint: "@secretlint/secretlint-rule-basicauth",
      text: `git clone https://deploy:${password("https-url")}@git.gleaner-internal.com/platform/app.git`,
    }),
    // Secret-named values
    canary({
      family: "password-env",
      kind: "password",
      standalone: false,
      key: "DB_PASSWORD",
      secret: password("env"),
      text: `DB_HOST=db.internal\nDB_PASSWORD=${password("env")}\n`,
    }),
    canary({
      family: "password-yaml",
      kind: "password",
      standalone: false,
      key: "password",
      secret: password("yaml"),
      text: `database:\n  host: db.internal\n  user: ingest\n  password: ${password("yaml")}\n`,
    }),
    canary({
      family: "password-json",
      kind: "password",
      standalone: false,
      key: "password",
      secret: password("json"),
      text: `{"user": "svc-ingest", "password": "${password("json")}"}`,
    }),
    canary({
      family: "passwd-ini",
      kind: "password",
      standalone: false,
      key: "passwd",
      secret: password("ini"),
      text: `[smtp]\nhost = mail.internal\npasswd = ${password("ini")}\n`,
    }),
    canary({
      family: "client-secret-form",
      kind: "password",
      standalone: false,
      key: "client_secret",
      secret: password("client-secret", 32),
      text: `grant_type=client_credentials&client_id=gleaner-web&client_secret=${password("client-secret", 32)}`,
    }),
    canary({
      family: "access-token-query",
      kind: "password",
      standalone: false,
      key: "access_token",
      secret: password("access-token", 28),
      text: `GET /v1/export?access_token=${password("access-token", 28)}&format=jsonl`,
    }),
    canary({
      family: "api-key-json",
      kind: "password",
      standalone: false,
      key: "api_key",
      secret: password("api-key", 24),
      text: `{"api_key": "${password("api-key", 24)}", "region": "eu"}`,
    }),
    canary({
      family: "secret-key-python",
      kind: "password",
      standalone: false,
      key: "SECRET_KEY",
      secret: password("django", 40),
      text: `SECRET_KEY = '${password("django", 40)}'`,
    }),
    canary({
      family: "refresh-token-yaml",
      kind: "password",
      standalone: false,
      key: "refresh_token",
      secret: password("refresh", 36),
      text: `oauth:\n  refresh_token: ${password("refresh", 36)}\n`,
    }),
    canary({
      family: "private-key-assignment",
      kind: "password",
      standalone: false,
      key: "private_key",
      secret: fill("wallet", 64, HEX),
      text: `PRIVATE_KEY=${fill("wallet", 64, HEX)} forge script Deploy --broadcast`,
    }),
    canary({
      family: "cli-password-flag",
      kind: "password",
      standalone: false,
      secret: password("cli-flag"),
      text: `docker login registry.gleaner.dev --username ci --password ${password("cli-flag")}`,
    }),
    // More of secretlint's recommended preset and gitleaks' prefixed rules
    canary({
      family: "shopify-access-token",
      kind: "api_key",
      standalone: true,
      secret: s.shopify,
      secretlint: "@secretlint/secretlint-rule-shopify",
      text: `X-Shopify-Access-Token: ${s.shopify}`,
    }),
    canary({
      family: "grafana-service-account-token",
      kind: "api_key",
      standalone: true,
      secret: s.grafana,
      secretlint: "@secretlint/secretlint-rule-grafana",
      text: `GRAFANA_SA_TOKEN=${s.grafana}`,
    }),
    canary({
      family: "linear-api-key",
      kind: "api_key",
      standalone: true,
      secret: s.linear,
      secretlint: "@secretlint/secretlint-rule-linear",
      text: `new LinearClient({ apiKey: "${s.linear}" })`,
    }),
    canary({
      family: "notion-token",
      kind: "api_key",
      standalone: true,
      secret: s.notion,
      secretlint: "@secretlint/secretlint-rule-notion",
      text: `NOTION_TOKEN=${s.notion}`,
    }),
    canary({
      family: "1password-service-account-token",
      kind: "api_key",
      standalone: true,
      secret: onePassword,
      secretlint: "@secretlint/secretlint-rule-1password",
      text: `OP_SERVICE_ACCOUNT_TOKEN=${onePassword}`,
    }),
    canary({
      family: "hashicorp-vault-token",
      kind: "api_key",
      standalone: true,
      secret: s.vault,
      secretlint: "@secretlint/secretlint-rule-hashicorp-vault",
      text: `VAULT_TOKEN=${s.vault} vault kv get secret/gleaner`,
    }),
    canary({
      family: "vercel-token",
      kind: "api_key",
      standalone: true,
      secret: s.vercel,
      secretlint: "@secretlint/secretlint-rule-vercel",
      text: `vercel deploy --prod --token ${s.vercel}`,
    }),
    canary({
      family: "databricks-token",
      kind: "api_key",
      standalone: true,
      secret: s.databricks,
      secretlint: "@secretlint/secretlint-rule-databricks",
      text: `DATABRICKS_TOKEN=${s.databricks}`,
    }),
    canary({
      family: "docker-pat",
      kind: "api_key",
      standalone: true,
      secret: s.docker,
      secretlint: "@secretlint/secretlint-rule-docker",
      text: `echo ${s.docker} | docker login -u gleanerci --password-stdin`,
    }),
    canary({
      family: "figma-token",
      kind: "api_key",
      standalone: true,
      secret: s.figma,
      secretlint: "@secretlint/secretlint-rule-figma",
      text: `curl -H "X-Figma-Token: ${s.figma}" https://api.figma.com/v1/me`,
    }),
    canary({
      family: "cloudflare-api-token",
      kind: "api_key",
      standalone: true,
      secret: s.cloudflare,
      text: `CLOUDFLARE_API_TOKEN=${s.cloudflare} wrangler deploy`,
    }),
    canary({
      family: "tailscale-auth-key",
      kind: "api_key",
      standalone: true,
      secret: s.tailscale,
      text: `tailscale up --authkey=${s.tailscale}`,
    }),
    canary({ family: "digitalocean-pat", kind: "api_key", standalone: true, secret: s.digitalocean, text: `doctl auth init --access-token ${s.digitalocean}` }),
  ];
}

export const CANARIES: readonly Canary[] = buildCanaries();

/**
 * The variants of a canary's text to send: as is, URL-encoded, inside a JSON
 * document held in a string (once and twice stringified), and for standalone
 * secrets glued to a prefix (`token_…`, `x…`).
 */
export function encodings(c: Canary): string[] {
  const variants = [c.text, encodeURIComponent(c.text), JSON.stringify({ log: c.text }), JSON.stringify(JSON.stringify({ log: c.text }))];
  if (c.standalone) variants.push(c.text.replace(c.secret, `token_${c.secret}`), c.text.replace(c.secret, `x${c.secret}`));
  return variants;
}

/** The canary as a structured value under its natural key (`{ config: { password: secret } }`), or undefined when it has none. */
export function structured(c: Canary): Record<string, unknown> | undefined {
  return c.key === undefined ? undefined : { config: { [c.key]: c.secret } };
}

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_RULES, EMAIL_RULE, marker, redactionRules, redactText, redactValue } from "../../src/domain/redaction";
import { type Canary, CANARIES, encodings, structured } from "../support/secret-canaries";

/** Explicit run count: the same depth everywhere, whatever fast-check's default becomes. */
const RUNS = 200;

const rules = redactionRules({ emails: false, disabledKinds: [] });

function scrub(text: string) {
  const counts = new Map<string, number>();
  return { out: redactText(text, rules, counts), counts };
}

/** Every form a secret could survive in: as is, URL-encoded, JSON-escaped once and twice. */
function forms(secret: string): string[] {
  const once = JSON.stringify(secret).slice(1, -1);
  return [secret, encodeURIComponent(secret), once, JSON.stringify(once).slice(1, -1)];
}

function expectGone(out: string, c: Canary) {
  for (const form of forms(c.secret)) expect(out, `${c.family} survived as ${form.slice(0, 40)}…`).not.toContain(form);
}

/** Deterministic filler for the extra catalogue examples (no complete token is written in this file). */
const chars = (n: number, alphabet = "aB3dE5gH7jK9mN1pQ2sT4vW6yZ8") => Array.from({ length: n }, (_, i) => alphabet[(i * 7 + 3) % alphabet.length]).join("");
const hex = (n: number) => chars(n, "0123456789abcdef");
/** Assembled so that no key block or credential sits whole in this file for a scanner to report. */
const BEGIN = "-----BEGIN";
const basicCredentials = btoa("user:password");
const jwtHead = `${btoa('{"alg":"HS256"}').replaceAll("=", "")}.${btoa('{"sub":"1234567890"}').replaceAll("=", "")}`;

describe("redaction: the canary families", () => {
  it("has at least one canary per family, each secret unique", () => {
    expect(CANARIES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CANARIES.map((c) => c.secret)).size).toBe(CANARIES.length);
    expect(new Set(CANARIES.map((c) => c.family)).size).toBe(CANARIES.length);
    for (const c of CANARIES) expect(c.text, c.family).toContain(c.secret);
  });

  it.each(CANARIES.map((c) => [c.family, c] as const))("%s: gone in every encoding, its kind counted", (_family, c) => {
    for (const variant of encodings(c)) {
      const { out, counts } = scrub(variant);
      expectGone(out, c);
      expect(counts.get(c.kind) ?? 0, `${c.family} in ${variant.slice(0, 60)}`).toBeGreaterThan(0);
      // A glued prefix (`token_…`) can make the whole quoted value go as a password too: still a marker, never the secret.
      expect(out).toContain("[REDACTED:");
    }
    expect(scrub(c.text).out).toContain(marker(c.kind));
  });

  it("leaves nothing a connection-string or .npmrc scanner would still report", () => {
    for (const c of CANARIES) {
      for (const variant of encodings(c)) {
        const { out } = scrub(variant);
        expect(out, c.family).not.toMatch(/[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:[^\s/@]+@/i);
        expect(out, c.family).not.toContain("_authToken=");
      }
    }
  });

  it("is idempotent: scrubbed text has nothing left to scrub", () => {
    for (const c of CANARIES) {
      for (const variant of encodings(c)) {
        const once = scrub(variant).out;
        const twice = scrub(once);
        expect(twice.out, c.family).toBe(once);
        expect(twice.counts.size, c.family).toBe(0);
      }
    }
  });
});

describe("redaction: the reproductions from the issue", () => {
  const ghp = `ghp_${chars(36)}`;
  it.each([
    ["Stripe secret key", `key sk_live_${chars(32)} here`, "key [REDACTED:api_key] here"],
    ["JWT", `id_token ${jwtHead}.${chars(43)}`, "id_token [REDACTED:jwt]"],
    ["AWS secret key", `aws_secret_access_key = ${chars(40, "AbCd1234/+eF")}`, "aws_secret_access_key = [REDACTED:api_key]"],
    ["Basic credentials", `Authorization: Basic ${basicCredentials}`, "Authorization: Basic [REDACTED:basic_auth]"],
    ["client_secret", "client_secret=abcd1234&x=1", "client_secret=[REDACTED:password]&x=1"],
    ["access_token", "access_token=abcdefgh", "access_token=[REDACTED:password]"],
    ["redis with an empty user", "redis://:pw@host:6379", "redis://[REDACTED:url_password]host:6379"],
    ["a password holding @", "postgres://u:p@ss@host/db", "postgres://[REDACTED:url_password]host/db"],
    ["PGP key block", `${BEGIN} PGP PRIVATE KEY BLOCK-----\n\nlQdGBGZ${chars(64)}\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----`, "[REDACTED:private_key]"],
    ["an unterminated key block", `${BEGIN} RSA PRIVATE KEY-----\nMIIabc (truncated`, "[REDACTED:private_key]"],
    ["ASIA key id", `ASIA${chars(16, "ABCDEFGHIJ234567")}`, "[REDACTED:api_key]"],
    ["Slack app token", `xapp-1-A0123ABCDEF-1234567890123-${hex(64)}`, "[REDACTED:api_key]"],
    ["a token glued after token_", `token_${ghp}`, "token_[REDACTED:api_key]"],
    ["a token glued after a letter", `x${ghp}`, "x[REDACTED:api_key]"],
    ["URL-encoded text", `%20${ghp}`, "%20[REDACTED:api_key]"],
    ["JSON in a string", String.raw`"{\"api_key\": \"abc123456\"}"`, String.raw`"{\"api_key\": \"[REDACTED:password]\"}"`],
    ["JSON in a string in a string", String.raw`{\\\"api_key\\\": \\\"abc123456\\\"}`, String.raw`{\\\"api_key\\\": \\\"[REDACTED:password]\\\"}`],
    ["an encoded value", "url?token=abc%2Bdef%3D%3D&x=1", "url?token=[REDACTED:password]&x=1"],
    ["a key that is only encoded", "password%3Dhunter2x%26next", "password=[REDACTED:password]&next"],
  ])("%s", (_name, text, expected) => {
    expect(scrub(text).out).toBe(expected);
  });
});

describe("redaction: structured values", () => {
  it("replaces a string or number under a secret-named key wherever the object sits", () => {
    const counts = new Map<string, number>();
    const event = {
      query: "plain",
      attributes: {
        steps: [{ tool: "db", args: { password: "hunter2x", port: 5432 } }],
        headers: { "X-Api-Key": 123456, authorization: `Bearer ${chars(16)}` },
      },
      clientSecret: "s3cr3t-value",
    };
    const out = redactValue(event, rules, counts);
    expect(out).toEqual({
      query: "plain",
      attributes: {
        steps: [{ tool: "db", args: { password: "[REDACTED:password]", port: 5432 } }],
        headers: { "X-Api-Key": "[REDACTED:password]", authorization: "[REDACTED:bearer_token]" },
      },
      clientSecret: "[REDACTED:password]",
    });
    expect(Object.fromEntries(counts)).toEqual({ password: 3, bearer_token: 1 });
  });

  it.each(CANARIES.filter((c) => c.key !== undefined).map((c) => [c.family, c] as const))("%s under its key", (_family, c) => {
    const counts = new Map<string, number>();
    const out = JSON.stringify(redactValue({ events: [structured(c)] }, rules, counts));
    expectGone(out, c);
    expect(counts.get(c.standalone ? c.kind : "password") ?? 0).toBeGreaterThan(0);
  });

  it("leaves usage counts and model tokens alone, and keeps identity when nothing matched", () => {
    const event = {
      tokens_in: 1200,
      tokens_out: 300,
      usage: { prompt_tokens: 12, completion_tokens: 34, total_tokens: 46, max_tokens: 4096, token_count: 9, cached_tokens: 1000 },
      logprobs: [{ token: "Hello", logprob: -0.1, bytes: [72] }],
      attributes: { secret_name: "db-password", password_policy: "strong", is_secret: true, token_type: "bearer", tokenizer: "cl100k" },
      tags: ["a", "b"],
    };
    const counts = new Map<string, number>();
    expect(redactValue(event, rules, counts)).toBe(event);
    expect(counts.size).toBe(0);
  });

  it("reads each key's name once but judges every holder: a `token` beside a logprob, then a bare one, then a long key", () => {
    const counts = new Map<string, number>();
    const modelToken = { token: "Hello", logprob: -0.1 };
    expect(redactValue(modelToken, rules, counts)).toBe(modelToken);
    // The same key name in another holder, after the first call remembered it: now a credential.
    expect(redactValue({ token: "abcd1234efgh5678" }, rules, counts)).toEqual({ token: marker("password") });
    expect(redactValue({ ...modelToken }, rules, counts)).toEqual(modelToken);
    // Keys too long to remember are still read, every time.
    const long = `${"x".repeat(80)}_password`;
    for (let i = 0; i < 2; i++) expect(redactValue({ [long]: "hunter2hunter2" }, rules, counts)).toEqual({ [long]: marker("password") });
  });

  it("keeps identity for values already scrubbed, and for placeholders", () => {
    const event = { password: "[REDACTED:password]", token: `sha256:${"ab".repeat(32)}`, api_key: "${API_KEY}", secret: "", pin: 12 };
    expect(redactValue(event, rules, new Map())).toBe(event);
  });

  it("returns a new object only along the path that changed", () => {
    const untouched = { a: "plain", b: [1, 2] };
    const event = { untouched, changed: { note: `key ${`ghp_${chars(36)}`}` } };
    const out = redactValue(event, rules, new Map());
    expect(out).not.toBe(event);
    expect(out.untouched).toBe(untouched);
    expect(out.changed.note).toBe("key [REDACTED:api_key]");
  });
});

describe("redaction: ordinary text stays as written", () => {
  it.each([
    "Please enter your password and press continue; if you forget the password, use the reset link.",
    "The secret to good bread is patience. Tokens are the unit the model bills by: this prompt used 1,200 tokens.",
    "Basic usage: run the task-management-system-design script, then ask-questions-about-everything.",
    "The bearer of this letter is a trusted friend. Authorization: pending review by the committee.",
    "Error: invalid token: expected string, got number",
    "const token = await fetchToken(); const password = form.password.value; if (token === secret) return;",
    'password = os.environ["DB_PASSWORD"]\ntoken = get_token()\napi_key = config.api_key',
    "{ token: string; password?: string } // TypeScript",
    '{"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500, "max_tokens": 4096, "max_token": 10}',
    "id 550e8400-e29b-41d4-a716-446655440000 commit 3f786850e387550fdab836ed7e6dc881de23001b",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "Visit https://example.com/docs?page=2&sort=asc or http://localhost:8080/api for details.",
    "The pwd command prints ./project. Keep the secret_name and token_count fields.",
    "xoxo-gossip-girl is a show; sk-learn-docs is not a key. Ask the SKU team.",
    "git push -u origin main && docker run -u 1000:1000 alpine",
    'secret: true\npassword: null\ntoken: ${{ secrets.GITHUB_TOKEN }}\napi_key: <your key here>\nclient_secret: ""',
    "Set Authorization: Bearer <token> and the Basic scheme for legacy clients.",
    "Große Grüße aus Köln — naïve café, 東京, emoji 🎉 and 100% done.",
  ])("%s", (text) => {
    const { out, counts } = scrub(text);
    expect(out).toBe(text);
    expect(counts.size).toBe(0);
  });

  it("leaves random base64 alone (an inlined image is not a key)", () => {
    const bytes = new Uint8Array(48 * 1024).map((_, i) => (i * 2654435761) >>> 24);
    const image = btoa(String.fromCharCode(...bytes.subarray(0, 16384))) + btoa(String.fromCharCode(...bytes.subarray(16384)));
    expect(scrub(`<img src="data:image/png;base64,${image}">`).counts.size).toBe(0);
  });
});

describe("redaction: the rules in force", () => {
  it("scrubs e-mail addresses only when asked, and drops disabled kinds by name", () => {
    const text = `mail ops@gleaner.dev, password=hunter2x, key ghp_${chars(36)}`;
    expect(redactText(text, redactionRules({ emails: true, disabledKinds: [] }), new Map())).toBe(
      "mail [REDACTED:email], password=[REDACTED:password], key [REDACTED:api_key]",
    );
    const noPasswords = redactionRules({ emails: false, disabledKinds: ["password"] });
    expect(redactText(text, noPasswords, new Map())).toBe("mail ops@gleaner.dev, password=hunter2x, key [REDACTED:api_key]");
    expect(redactValue({ password: "hunter2x" }, noPasswords, new Map())).toEqual({ password: "hunter2x" });
  });

  it("gives the same rule list for the same options, so its pre-filter is compiled once", () => {
    expect(redactionRules({ emails: false, disabledKinds: ["jwt", "email"] })).toBe(redactionRules({ emails: false, disabledKinds: ["email", "jwt"] }));
    expect(redactionRules({ emails: true, disabledKinds: [] })).toContain(EMAIL_RULE);
  });

  it("names a source and keywords for every rule, and every pattern is global", () => {
    for (const rule of [...DEFAULT_RULES, EMAIL_RULE]) {
      expect(rule.source, rule.pattern.source).toBeTruthy();
      expect(rule.keywords?.length, rule.pattern.source).toBeGreaterThan(0);
      expect(rule.pattern.flags).toContain("g");
    }
  });

  it("gives the same result with the pre-filter as without it", () => {
    const unfiltered = rules.map(({ keywords: _keywords, ...rule }) => rule);
    const same = (text: string) => redactText(text, rules, new Map()) === redactText(text, unfiltered, new Map());
    for (const c of CANARIES) for (const variant of encodings(c)) expect(same(variant), c.family).toBe(true);
    const pieces = fc.constantFrom(
      "token",
      "password",
      "=",
      ": ",
      '"',
      "://",
      "u:p@",
      "sk-",
      "ghp_",
      "Bearer ",
      "AKIA",
      "%3D",
      "\\",
      "1234567890",
      "abcdefghijklmnop",
      " ",
      "\n",
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => same(parts.join(""))),
      { numRuns: RUNS },
    );
  });

  it("still runs a caller's rule without keywords", () => {
    const custom = [{ kind: "ticket", pattern: /\bTCK-\d{4}\b/g }];
    expect(redactText("see TCK-1234", custom, new Map())).toBe("see [REDACTED:ticket]");
  });

  it.each([
    ["gitlab deploy token", `gldt-${chars(20)}`],
    ["gitlab runner token", `glrt-${chars(20)}`],
    ["github app installation token", `ghs_123_${chars(20)}.${chars(30)}.${chars(20)}`],
    ["bedrock key", `ABSK${chars(120)}`],
    ["alibaba key id", `LTAI${chars(20)}`],
    ["cloudflare origin CA key", `v1.0-${hex(24)}-${hex(146)}`],
    ["heroku v2 key", `HRKU-AA${chars(58)}`],
    ["fly.io token", `fo1_${chars(43)}`],
    ["terraform cloud token", `${chars(14)}.atlasv1.${chars(64)}`],
    ["doppler token", `dp.pt.${chars(43)}`],
    ["dynatrace token", `dt0c01.${chars(24)}.${chars(64)}`],
    ["pulumi token", `pul-${hex(40)}`],
    ["planetscale password", `pscale_pw_${chars(40)}`],
    ["openshift token", `sha256~${chars(43)}`],
    ["postman key", `PMAK-${hex(24)}-${hex(34)}`],
    ["prefect key", `pnu_${chars(36)}`],
    ["sentry user token", `sntryu_${hex(64)}`],
    ["new relic key", `NRAK-${chars(27, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")}`],
    ["grafana cloud token", `glc_${chars(40)}`],
    ["1password secret key", ["A3", "ABC123", "DEF456GHI78", "JKL90", "MNO12", "PQR34"].join("-")],
    ["sendinblue key", `xkeysib-${hex(64)}-${chars(16)}`],
    ["shippo token", `shippo_live_${hex(40)}`],
    ["flutterwave key", `FLWSECK_TEST-${chars(32, "abcdefgh0123456789")}-X`],
    ["easypost key", `EZAK${chars(54)}`],
    ["square token", `sq0atp-${chars(22)}`],
    ["rubygems key", `rubygems_${hex(48)}`],
    ["clojars token", `CLOJARS_${chars(60)}`],
    ["artifactory key", `AKCp${chars(69)}`],
    ["huggingface org token", `api_org_${chars(34, "abcdefghijklmnopqrstuvwxyzABCDEFGH")}`],
    ["readme key", `rdme_${chars(70, "abcdefghijklmnopqrstuvwxyz0123456789")}`],
    ["generic sk- key", `sk-${chars(40)}`],
    ["azure shared access signature", `https://acct.blob.core.windows.net/c?sv=2024-01-01&sig=${chars(40)}%3D`],
  ])("%s", (_name, secret) => {
    const { out, counts } = scrub(`value: ${secret} end`);
    expect(out).not.toContain(secret);
    expect(counts.get("api_key")).toBe(1);
  });

  it.each([
    [
      "teams webhook",
      "webhook_url",
      `https://gleaner.webhook.office.com/webhookb2/${hex(8)}-${hex(4)}-${hex(4)}@${hex(8)}/IncomingWebhook/${hex(32)}/${hex(8)}`,
    ],
    ["age secret key", "private_key", `AGE-SECRET-KEY-1${chars(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L")}`],
  ])("%s", (_name, kind, secret) => {
    const { out, counts } = scrub(`value: ${secret} end`);
    expect(out).not.toContain(secret);
    expect(counts.get(kind)).toBe(1);
  });
});

describe("redaction: adversarial input", () => {
  const size = 64 * 1024;
  const repeat = (s: string) => s.repeat(Math.ceil(size / s.length)).slice(0, size);
  const keywords = [...new Set([...DEFAULT_RULES, EMAIL_RULE].flatMap((r) => r.keywords ?? []))];
  const shapes = [
    "a",
    "aA0_-",
    "a:",
    "@",
    "\\",
    '\\"',
    "%41",
    "eyJ",
    "eyJaaaaaaaaaaa.eyaaaaaaaaaa.",
    "a://b:",
    `${BEGIN} PRIVATE KEY-----`,
    "Authorization: Bearer ",
    "curl -u a:",
    'password: "',
  ];

  it("completes on 64 KB of every keyword and pathological shape", () => {
    const all = rules.concat(EMAIL_RULE);
    for (const k of keywords) {
      for (const text of [repeat(k), k + repeat("A"), repeat(`${k}a1`), repeat(`${k}=a`), repeat(`${k}: "a`)])
        expect(typeof redactText(text, all, new Map())).toBe("string");
    }
    for (const s of shapes) expect(typeof redactText(repeat(s), all, new Map())).toBe("string");
  });

  it("never lets an inserted canary survive, whatever text surrounds it", () => {
    const prose = fc.string({ unit: fc.constantFrom(..."abcXYZ019 .,;:!?()-\n"), maxLength: 200 });
    fc.assert(
      fc.property(prose, fc.constantFrom(...CANARIES), fc.nat(), prose, (before, c, pick, after) => {
        const variants = encodings(c);
        const { out } = scrub(`${before} ${variants[pick % variants.length]} ${after}`);
        for (const form of forms(c.secret)) if (out.includes(form)) return false;
        return true;
      }),
      { numRuns: RUNS },
    );
  });
});

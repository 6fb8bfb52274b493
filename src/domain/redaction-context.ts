/**
 * Secrets recognised by what surrounds them rather than by their own shape:
 * key blocks, credentials in URLs, Authorization headers, and values named
 * like secrets (`password=…`, `"api_key": "…"`, `token: …`, `--password …`).
 * Reference data as in redaction-catalogue.ts (gitleaks and secretlint, both
 * MIT); rules marked "gleaner" are ours where neither catalogue has one.
 */
import { marker, type RedactionRule } from "./redaction-rule";

/** An optional quote, itself possibly escaped any number of times (JSON inside a string). */
const QUOTE = String.raw`\\*["'\x60]?`;
const ASSIGN = String.raw`[ \t]*(?:=>|:=|=|:)[ \t]*`;
/** A base64 character also as URL-encoded or JSON-escaped text carries it (see redaction-catalogue.ts). */
const B64 = String.raw`(?:[A-Za-z0-9+/]|%2[BbFf]|\\\/)`;

/** Keeps the text before the secret, replaces the rest with the marker. */
const keepHead = (kind: string) => (_match: string, head: string) => `${head}${marker(kind)}`;

const STOPWORDS = new Set(
  `true false null none nil undefined empty required optional string str number int bool boolean
   object any unknown void redacted hidden masked placeholder example changeme password secret token`.split(/\s+/),
);

/** A template, a reference or a stand-in, not a secret: `${DB_PASSWORD}`, `{{ secrets.X }}`, `<token>`, `****`, a path. */
export function isPlaceholder(value: string): boolean {
  return (
    /^(?:\$|\{\{|%\(|#\{|<|\[REDACTED|\*{3})/.test(value) ||
    /^(.)\1+$/.test(value) ||
    /^(?:~|\.{1,2})?\/[^\s]*$/.test(value) ||
    STOPWORDS.has(value.toLowerCase())
  );
}

/** Random-looking enough to be a credential even without quotes: a digit or a symbol no English word or identifier has. */
const randomish = (value: string) => /[0-9!@#$%^&*+=~?/]/.test(value);

const dottedIdentifier = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;

export const KEY_BLOCK_RULES: readonly RedactionRule[] = [
  {
    // An unterminated block is scrubbed to the end of the text: a truncated key is still a key.
    kind: "private_key",
    source: "gitleaks private-key; secretlint-rule-privatekey (PEM, OpenSSH, PGP)",
    keywords: ["-----BEGIN"],
    pattern: /-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  {
    kind: "private_key",
    source: "gitleaks age-secret-key",
    keywords: ["AGE-SECRET-KEY-1"],
    pattern: /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}/g,
  },
];

/**
 * `scheme://user:password@host` for any scheme (postgres, mysql, mongodb+srv,
 * redis, amqp, https…). The whole `user:password@` goes, `@` included: a marker
 * left between `:` and `@` would still read as a credential to secretlint's
 * connection-string rule. The password may itself hold `@` (the last one ends it).
 */
export const URL_CREDENTIALS_RULE: RedactionRule = {
  kind: "url_password",
  source: "secretlint-rule-database-connection-string, secretlint-rule-basicauth; gitleaks sidekiq-sensitive-url",
  keywords: ["://"],
  pattern: /([a-z][a-z0-9+.-]{1,30}:\/\/)([^\s:/?#@"'<>\\]*):([^\s/?#"'<>\\]+)@/gi,
  accept: (_match, _scheme, _user, password) => !/^(?:\$|\{\{|<)/.test(password),
  replace: (_match, scheme) => `${scheme}${marker("url_password")}`,
};

/** `.npmrc` credentials: the key goes too, since secretlint reports any `_authToken=` left with a value. */
export const NPMRC_RULE: RedactionRule = {
  kind: "api_key",
  source: "secretlint-rule-npm (.npmrc _authToken)",
  keywords: ["_auth", "_password"],
  pattern: /(?<![A-Za-z0-9])_(?:authToken|auth|password)[ \t]*=[ \t]*(?!\$)[^\s"'\\]+/gi,
};

const AUTHORIZATION = String.raw`(authorization${QUOTE}[ \t]*[:=][ \t]*${QUOTE}`;

export const HEADER_RULES: readonly RedactionRule[] = [
  {
    kind: "basic_auth",
    source: "gitleaks curl-auth-header",
    keywords: ["authorization"],
    pattern: new RegExp(String.raw`${AUTHORIZATION}basic[ \t]+)((?:${B64}|[_-]){4,4096}(?:=|%3[Dd]){0,2})`, "gi"),
    replace: keepHead("basic_auth"),
  },
  {
    // `Basic` credentials outside a header (a headers dict, a log line) are kept only when they decode to `user:password`.
    kind: "basic_auth",
    source: "gleaner",
    keywords: ["Basic"],
    pattern: /\b(Basic[ \t]+)([A-Za-z0-9+/]{8,4096}={0,2})(?![A-Za-z0-9+/=])/g,
    accept: (_match, _head, encoded) => decodesToCredentials(encoded),
    replace: keepHead("basic_auth"),
  },
  {
    kind: "bearer_token",
    source: "gleaner (the original rule); gitleaks curl-auth-header",
    keywords: ["Bearer", "bearer", "BEARER"],
    pattern: /\b(Bearer[ \t]+|bearer[ \t]+|BEARER[ \t]+)([A-Za-z0-9._~+/-]{8,4096}=*)/g,
    accept: (_match, _head, token) => randomish(token) || token.length >= 24,
    replace: keepHead("bearer_token"),
  },
  {
    // Any other scheme (`token`, `Bot`, `SSWS`…) or none: `Authorization: <credential>`.
    kind: "bearer_token",
    source: "gitleaks curl-auth-header",
    keywords: ["authorization"],
    pattern: new RegExp(
      String.raw`${AUTHORIZATION}(?!(?:basic|digest|negotiate|ntlm|aws4-hmac-sha256)\b)(?:[A-Za-z][A-Za-z-]{1,19}[ \t]+)?)([A-Za-z0-9._~+/=-]{8,4096})`,
      "gi",
    ),
    accept: (_match, _head, token) => randomish(token) || token.length >= 24,
    replace: keepHead("bearer_token"),
  },
  {
    kind: "basic_auth",
    source: "gitleaks curl-auth-user",
    keywords: ["curl"],
    pattern: /(\bcurl\b[^\n]{0,500}?[ \t](?:-u|--user)(?:[ \t]+|=)["']?[^\s:"']{1,100}:)([^\s"']{3,200})/g,
    accept: (_match, _head, password) => !isPlaceholder(password),
    replace: keepHead("basic_auth"),
  },
];

function decodesToCredentials(encoded: string): boolean {
  try {
    return /^[\x20-\x7e]+:[\x20-\x7e]*$/.test(atob(encoded)) && !atob(encoded).startsWith(":");
  } catch {
    return false;
  }
}

/** Names of secret-holding values. `(?<![A-Za-z])` keeps `pass`/`pwd` from matching inside words (`bypass`, `cwd`). */
const SECRET_NAME = String.raw`(?:(?<![A-Za-z])pass(?![A-Za-z])|passw(?:or)?d|passphrase|(?<![A-Za-z])pwd|secret|token|(?:api|access|secret|private|account|signing|encryption|master|client)[_-]?key|credentials?)`;
const KEY_PREFIXES = ["api", "access", "secret", "private", "account", "signing", "encryption", "master", "client"];
const SECRET_NAME_KEYWORDS = ["pass", "pwd", "secret", "token", "credential", ...KEY_PREFIXES.flatMap((p) => [`${p}key`, `${p}_key`, `${p}-key`])];

/**
 * Keys of structured values that hold a secret, matched against the key in
 * snake case (`apiKey` → `api_key`): the name must end the key, so
 * `max_tokens`, `tokens_in`, `token_count` and `secret_name` stay.
 */
export const SECRET_KEY_NAME =
  /(?:^|_)(?:password|passwd|passphrase|pwd|secret|token|(?:api|access|secret|private|account|signing|encryption|master|client)_?key|authorization|credentials?|cookie)$/;

/**
 * An assigned value: quoted (escapes inside kept; a quote escaped for JSON in a
 * string, `\"`, ends it) or bare, up to a delimiter. A bare value followed by
 * `(` or `[` is code (`token = getToken()`), not a value.
 */
const VALUE = [
  String.raw`"((?:[^"\\\r\n]|\\.){3,256})`,
  String.raw`\\+"([^"\\\r\n]{3,256})`,
  String.raw`'((?:[^'\\\r\n]|\\.){3,256})`,
  String.raw`\\+'([^'\\\r\n]{3,256})`,
  String.raw`\x60([^\x60\\\r\n]{3,256})`,
  String.raw`((?:[^\s"'\x60\\,;&<>()[\]{}]|\\\/){4,256})(?=[\s"'\x60\\,;&<>)\]}]|$)`,
].join("|");

/**
 * The value of a VALUE match: the one alternative's group that took part (each
 * needs 3 characters or more; the others are ""). Were there none, all that
 * follows the separator is taken, so the whole value is still replaced.
 */
function assignedValue(match: string, name: string, separator: string, values: readonly string[]): string {
  return values.find(Boolean) ?? match.slice(name.length + separator.length);
}

/** Decides whether an assigned value is a secret, from how it is written. */
function acceptAssignment(name: string, separator: string, value: string, quoted: boolean): boolean {
  if (isPlaceholder(value)) return false;
  // `max_token=4096`, `"token": 42` in a logprobs dump: counts, not credentials.
  if (/token/i.test(name) && /^[0-9]+$/.test(value)) return false;
  if (quoted) return true;
  if (dottedIdentifier.test(value)) return false;
  // `token: expected string`, `password: Hunter` read as prose; a YAML secret has a digit or a symbol.
  if (!separator.includes("=")) return randomish(value);
  // `const token = await fetchToken()` is code; `DB_PASSWORD=hunter` (no spaces) is an env file.
  if (/[ \t]=|=[ \t]/.test(separator)) return /[0-9]/.test(value);
  return true;
}

export const ASSIGNMENT_RULES: readonly RedactionRule[] = [
  {
    kind: "api_key",
    source: "secretlint-rule-aws (AWSSecretAccessKey)",
    keywords: ["secret"],
    pattern: new RegExp(String.raw`((?:aws)?[_-]?secret[_-]?access[_-]?key${QUOTE}${ASSIGN}${QUOTE})([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])`, "gi"),
    replace: keepHead("api_key"),
  },
  {
    kind: "api_key",
    source: "gleaner: Azure storage and Service Bus connection strings",
    keywords: ["accountkey", "sharedaccesskey"],
    pattern: new RegExp(String.raw`((?:AccountKey|SharedAccessKey)[ \t]*=[ \t]*)(${B64}{20,200}(?:=|%3[Dd]){0,2})`, "gi"),
    replace: keepHead("api_key"),
  },
  {
    kind: "api_key",
    source: "gleaner: Azure shared access signatures",
    keywords: ["sig="],
    pattern: /([?&;]sig=)([A-Za-z0-9%+/]{20,200}={0,2})/g,
    replace: keepHead("api_key"),
  },
  {
    kind: "password",
    source: "gleaner: secrets passed as command-line flags",
    keywords: SECRET_NAME_KEYWORDS,
    pattern: /(--(?:password|passwd|pass|token|api-key|apikey|secret|client-secret|access-token|auth-token)(?:[ \t]+|=)["']?)([^\s"'\\]{4,256})/gi,
    accept: (_match, _head, value) => !value.startsWith("-") && !isPlaceholder(value),
    replace: keepHead("password"),
  },
  {
    // k=v, k: v, JSON, env, YAML, INI, and the same with escaped quotes. Only the value goes.
    kind: "password",
    source: "gleaner, after gitleaks generic-api-key",
    keywords: SECRET_NAME_KEYWORDS,
    keyName: SECRET_KEY_NAME,
    pattern: new RegExp(String.raw`(${SECRET_NAME})(${QUOTE}${ASSIGN})(?:${VALUE})`, "gi"),
    accept: (match, name, separator, ...values) => acceptAssignment(name, separator, assignedValue(match, name, separator, values), !values[5]),
    replace: (match, name, separator, ...values) => {
      const value = assignedValue(match, name, separator, values);
      return `${match.slice(0, match.length - value.length)}${marker("password")}`;
    },
  },
];

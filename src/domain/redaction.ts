/**
 * Secret scrubbing before storage. Each rule replaces a match with a typed
 * marker `[REDACTED:<kind>]`; nothing matched is ever written in clear. The
 * catalogue and where each rule comes from: docs/redaction.md.
 */
import { ASSIGNMENT_RULES, HEADER_RULES, isPlaceholder, KEY_BLOCK_RULES, NPMRC_RULE, URL_CREDENTIALS_RULE } from "./redaction-context";
import { JWT_RULE, TOKEN_RULES, WEBHOOK_RULES } from "./redaction-catalogue";
import { type Prefilter, prefilterFor, rulesToRun } from "./redaction-prefilter";
import { marker, type RedactionRule } from "./redaction-rule";
import { decodeOnce } from "./redaction-views";

export { marker, type RedactionRule } from "./redaction-rule";

/**
 * In order: key blocks first (their base64 bodies hold look-alikes of other
 * tokens), then URL credentials and webhooks, provider tokens, headers, and
 * last the values recognised only by their name.
 */
export const DEFAULT_RULES: readonly RedactionRule[] = [
  ...KEY_BLOCK_RULES,
  URL_CREDENTIALS_RULE,
  ...WEBHOOK_RULES,
  NPMRC_RULE,
  JWT_RULE,
  ...TOKEN_RULES,
  ...HEADER_RULES,
  ...ASSIGNMENT_RULES,
];

export const EMAIL_RULE: RedactionRule = {
  kind: "email",
  source: "gleaner",
  keywords: ["@"],
  pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g,
};

/** Levels of URL-encoding or JSON escaping looked through (a JSON document in a string in a JSON string is two). */
const MAX_DECODE_LEVELS = 3;

const inForce = new Map<string, RedactionRule[]>();

/**
 * The rules in force: the defaults, e-mail addresses when asked, minus any
 * disabled kinds. The same options give the same array, so its pre-filter is
 * compiled once; do not modify it.
 */
export function redactionRules(options: { emails: boolean; disabledKinds: readonly string[] }): RedactionRule[] {
  const key = `${options.emails}|${[...options.disabledKinds].sort().join(",")}`;
  let rules = inForce.get(key);
  if (!rules) {
    const all = options.emails ? [...DEFAULT_RULES, EMAIL_RULE] : [...DEFAULT_RULES];
    inForce.set(key, (rules = all.filter((r) => !options.disabledKinds.includes(r.kind))));
  }
  return rules;
}

const add = (counts: Map<string, number>, kind: string, n = 1) => counts.set(kind, (counts.get(kind) ?? 0) + n);

function applyRules(text: string, toRun: readonly RedactionRule[], counts: Map<string, number>): string {
  let out = text;
  for (const rule of toRun) {
    rule.pattern.lastIndex = 0;
    out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      const named = typeof rest[rest.length - 1] === "object";
      const groups = rest.slice(0, named ? -3 : -2).map((g) => (typeof g === "string" ? g : ""));
      if (rule.accept && !rule.accept(match, ...groups)) return match;
      add(counts, rule.kind);
      return rule.replace ? rule.replace(match, ...groups) : marker(rule.kind);
    });
  }
  return out;
}

/** Text decodeOnce would change: it holds a percent-escape or a backslash (see redaction-views.ts). */
const mayDecode = (text: string) => text.includes("%") || text.includes("\\");

function scrubText(text: string, prefilter: Prefilter, counts: Map<string, number>): string {
  const toRun = rulesToRun(prefilter, text);
  // Most text: no rule's keyword, nothing to decode, so every level would leave it as it is.
  if (toRun.length === 0 && !mayDecode(text)) return text;
  let out = applyRules(text, toRun, counts);
  let view = out;
  for (let level = 0; level < MAX_DECODE_LEVELS; level++) {
    const decoded = decodeOnce(view);
    if (decoded === view) break;
    const found = new Map<string, number>();
    view = applyRules(decoded, rulesToRun(prefilter, decoded), found);
    if (found.size > 0) {
      for (const [kind, n] of found) add(counts, kind, n);
      out = view;
    }
  }
  return out;
}

/**
 * Scrubs one string, adding what it replaced to `counts` by kind. Secrets
 * behind URL-encoding or JSON escapes are looked for in a decoded copy; when
 * that copy holds one, the decoded copy (scrubbed) is what is returned.
 *
 * @example
 * redactText("key=AKIA…", redactionRules({ emails: false, disabledKinds: [] }), counts) // "key=[REDACTED:api_key]"
 */
export function redactText(text: string, rules: readonly RedactionRule[], counts: Map<string, number>): string {
  return scrubText(text, prefilterFor(rules), counts);
}

/** A `token` beside a `logprob` is a token a model produced, not a credential. */
const isModelToken = (key: string, holder: object) => key === "token" && ("logprob" in holder || "logprobs" in holder);

const snakeCase = (key: string) =>
  key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[-.\s]+/g, "_");

const SCRUBBED = /^(?:\[REDACTED[^\]]*\]|sha256:[0-9a-f]{64})$/i;

/** A value under a secret-named key worth replacing: a non-trivial string or a number of four digits or more. */
function isSecretScalar(v: unknown): v is string | number {
  if (typeof v === "number") return Number.isFinite(v) && String(Math.abs(Math.trunc(v))).length >= 4;
  return typeof v === "string" && v.length > 0 && !SCRUBBED.test(v) && !isPlaceholder(v);
}

/** A rule for the values of secret-named keys. */
type KeyRule = RedactionRule & { keyName: RegExp };

/** What a key's name says, once per key: its snake_case name and the key rule it falls under (null: none). */
interface KeyVerdict {
  name: string;
  rule: KeyRule | null;
}

/** Keys remembered per scrubber: events repeat the same few dozen field names. Cleared when full. */
const MAX_REMEMBERED_KEYS = 2048;
/** Longer keys (rare, and a producer's to choose) are read every time: the memory stays bounded. */
const MAX_REMEMBERED_KEY_LENGTH = 64;

function keyRuleFor(key: string, holder: object, s: Scrubber): KeyRule | undefined {
  if (s.keyRules.length === 0) return undefined;
  let verdict = s.keys.get(key);
  if (verdict === undefined) {
    const name = /pass|pwd|secret|token|key|auth|credential|cookie/i.test(key) ? snakeCase(key) : "";
    verdict = { name, rule: name === "" ? null : (s.keyRules.find((r) => r.keyName.test(name)) ?? null) };
    if (key.length <= MAX_REMEMBERED_KEY_LENGTH) {
      if (s.keys.size >= MAX_REMEMBERED_KEYS) s.keys.clear();
      s.keys.set(key, verdict);
    }
  }
  if (verdict.rule === null || isModelToken(verdict.name, holder)) return undefined;
  return verdict.rule;
}

/** Replaces a value named like a secret whole; the marker names the kind the text rules see in it, else the key rule's. */
function replaceNamedSecret(v: string | number, keyRule: RedactionRule, rules: readonly RedactionRule[], counts: Map<string, number>): string {
  const found = new Map<string, number>();
  redactText(String(v), rules, found);
  const [kind] = found.keys();
  if (kind === undefined) add(counts, keyRule.kind);
  else for (const [k, n] of found) add(counts, k, n);
  return marker(kind ?? keyRule.kind);
}

/** What one redactValue call scrubs with: the rules, their pre-filter and the rules for secret-named keys. */
interface Scrubber {
  rules: readonly RedactionRule[];
  prefilter: Prefilter;
  keyRules: readonly KeyRule[];
  /** What each key seen so far says (see keyRuleFor). */
  keys: Map<string, KeyVerdict>;
}

const scrubbers = new WeakMap<readonly RedactionRule[], Scrubber>();

function scrubberFor(rules: readonly RedactionRule[]): Scrubber {
  let s = scrubbers.get(rules);
  if (!s) {
    s = { rules, prefilter: prefilterFor(rules), keyRules: rules.filter((r): r is KeyRule => r.keyName !== undefined), keys: new Map() };
    scrubbers.set(rules, s);
  }
  return s;
}

function scrub(value: unknown, s: Scrubber, counts: Map<string, number>): unknown {
  if (typeof value === "string") return scrubText(value, s.prefilter, counts);
  if (Array.isArray(value)) {
    let next: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const r = scrub(v, s, counts);
      if (next === undefined && r !== v) next = value.slice(0, i);
      if (next !== undefined) next.push(r);
    }
    return next ?? value;
  }
  if (value && typeof value === "object") {
    // The copy is made only once something changed (most objects hold nothing to scrub).
    let next: Record<string, unknown> | undefined;
    const keys = Object.keys(value);
    const source = value as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      const v = source[k];
      // The key test first: it is cheap and rarely passes; both checks are pure, so the order changes no outcome.
      const keyRule = typeof v === "string" || typeof v === "number" ? keyRuleFor(k, value, s) : undefined;
      const r = keyRule && isSecretScalar(v) ? replaceNamedSecret(v, keyRule, s.rules, counts) : scrub(v, s, counts);
      if (next === undefined && r !== v) {
        next = {};
        for (let j = 0; j < i; j++) next[keys[j] as string] = source[keys[j] as string];
      }
      if (next !== undefined) next[k] = r;
    }
    return next ?? value;
  }
  return value;
}

/**
 * Scrubs every string anywhere in a JSON value, and replaces whole any string
 * or number held under a key named like a secret (`password`, `apiKey`,
 * `client_secret`…; not `max_tokens`). Keys are kept. Returns the same object
 * when nothing matched.
 */
export function redactValue<T>(value: T, rules: readonly RedactionRule[], counts: Map<string, number>): T {
  return scrub(value, scrubberFor(rules), counts) as T;
}

/** True when a text holds any redaction marker or producer hash: such text never becomes training content. */
export function containsScrubbedText(text: string): boolean {
  return /\[REDACTED[:\]]/.test(text) || /\bsha256:[0-9a-f]{64}\b/i.test(text);
}

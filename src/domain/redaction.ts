/**
 * Secret scrubbing before storage. Each rule replaces a match with a typed
 * marker `[REDACTED:<kind>]`; nothing matched is ever written in clear.
 */
export interface RedactionRule {
  kind: string;
  pattern: RegExp;
  /** Replacement for a match; defaults to the marker. */
  replace?: (match: string, ...groups: string[]) => string;
}

export const marker = (kind: string) => `[REDACTED:${kind}]`;

export const DEFAULT_RULES: readonly RedactionRule[] = [
  { kind: "private_key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g },
  { kind: "bearer_token", pattern: /\b(Bearer)\s+[A-Za-z0-9._~+/-]{8,}=*/gi, replace: (_m, word: string) => `${word} ${marker("bearer_token")}` },
  { kind: "api_key", pattern: /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}/g },
  { kind: "api_key", pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}/g },
  { kind: "api_key", pattern: /\bgithub_pat_[A-Za-z0-9_]{30,}/g },
  { kind: "api_key", pattern: /\bAKIA[0-9A-Z]{16}\b/g },
  { kind: "api_key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: "api_key", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: "api_key", pattern: /\bhf_[A-Za-z0-9]{30,}/g },
  { kind: "api_key", pattern: /\bglk_[a-z0-9]{16}_[A-Za-z0-9_-]{43}/g },
  {
    kind: "url_password",
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):([^\s@/]+)@/gi,
    replace: (_m, prefix: string) => `${prefix}:${marker("url_password")}@`,
  },
  {
    kind: "password",
    pattern: /\b(password|passwd|pwd|secret|api[_-]?key|token)(["']?\s*[:=]\s*["']?)([^\s"',;]{4,})/gi,
    replace: (_m, name: string, sep: string) => `${name}${sep}${marker("password")}`,
  },
];

export const EMAIL_RULE: RedactionRule = { kind: "email", pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g };

/** The rules in force: the defaults, e-mail addresses when asked, minus any disabled kinds. */
export function redactionRules(options: { emails: boolean; disabledKinds: readonly string[] }): RedactionRule[] {
  const all = options.emails ? [...DEFAULT_RULES, EMAIL_RULE] : [...DEFAULT_RULES];
  return all.filter((r) => !options.disabledKinds.includes(r.kind));
}

/** Scrubs one string, adding what it replaced to `counts` by kind. */
export function redactText(text: string, rules: readonly RedactionRule[], counts: Map<string, number>): string {
  let out = text;
  for (const rule of rules) {
    rule.pattern.lastIndex = 0;
    out = out.replace(rule.pattern, (match, ...rest) => {
      counts.set(rule.kind, (counts.get(rule.kind) ?? 0) + 1);
      const groups = rest.slice(0, -2).map((g) => (typeof g === "string" ? g : ""));
      return rule.replace ? rule.replace(match, ...groups) : marker(rule.kind);
    });
  }
  return out;
}

/** Scrubs every string anywhere in a JSON value (keys are kept). Returns the same object when nothing matched. */
export function redactValue<T>(value: T, rules: readonly RedactionRule[], counts: Map<string, number>): T {
  if (typeof value === "string") return redactText(value, rules, counts) as T;
  if (Array.isArray(value)) {
    let changed = false;
    const next = value.map((v) => {
      const r = redactValue(v, rules, counts);
      changed ||= r !== v;
      return r;
    });
    return (changed ? next : value) as T;
  }
  if (value && typeof value === "object") {
    let changed = false;
    const next: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = redactValue(v, rules, counts);
      changed ||= r !== v;
      next[k] = r;
    }
    return (changed ? next : value) as T;
  }
  return value;
}

/** True when a text holds any redaction marker or producer hash: such text never becomes training content. */
export function containsScrubbedText(text: string): boolean {
  return /\[REDACTED[:\]]/.test(text) || /\bsha256:[0-9a-f]{64}\b/i.test(text);
}

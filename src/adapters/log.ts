import { marker, redactionRules, redactText, type RedactionRule } from "../domain/redaction";

type Level = "debug" | "info" | "warn" | "error";

/**
 * The logger has no env, so it scrubs with the whole default catalogue (no
 * kind disabled; e-mail addresses kept), plus Authorization header values of
 * any scheme (`Authorization: Basic …`), which the storage rules leave alone.
 */
const LOG_RULES: readonly RedactionRule[] = [
  ...redactionRules({ emails: false, disabledKinds: [] }),
  {
    kind: "authorization",
    pattern: /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)(?:[A-Za-z]+\s+)?[^\s"',;]+/gi,
    replace: (_m, name: string, sep: string) => `${name}${sep}${marker("authorization")}`,
  },
];

/**
 * The cheap pre-check on the hot path: one test of every rule's pattern at
 * once. Each alternative keeps its source and the union of the rules' flags
 * only widens what matches, so a string it passes holds nothing to scrub.
 * Should a rule not compose (a backreference would point elsewhere in the
 * union), every string gets the full pass.
 */
const MIGHT_HOLD_SECRET: RegExp | null = (() => {
  if (LOG_RULES.some((r) => /\\(?:[1-9]|k<)/.test(r.pattern.source))) return null;
  const flags = [...new Set(LOG_RULES.flatMap((r) => [...r.pattern.flags]))].filter((f) => "imsu".includes(f)).join("");
  try {
    return new RegExp(LOG_RULES.map((r) => `(?:${r.pattern.source})`).join("|"), flags);
  } catch {
    return null;
  }
})();

/** Header-like fields whose whole value is a credential, whatever it looks like. */
const CREDENTIAL_FIELD = /^(?:(?:proxy-)?authorization|cookie|set-cookie|x-api-key|api[_-]?key)$/i;

/**
 * Short strings that repeat on every line (route templates, methods, job
 * names) are scrubbed once: their verdict is kept in a small bounded memo.
 */
const SCRUBBED = new Map<string, string>();
const MEMO_MAX_ENTRIES = 512;
const MEMO_MAX_LENGTH = 64;

function scrubString(s: string): string {
  if (s.length <= MEMO_MAX_LENGTH) {
    const known = SCRUBBED.get(s);
    if (known !== undefined) return known;
  }
  const out = MIGHT_HOLD_SECRET && !MIGHT_HOLD_SECRET.test(s) ? s : redactText(s, LOG_RULES, new Map());
  if (s.length <= MEMO_MAX_LENGTH) {
    if (SCRUBBED.size >= MEMO_MAX_ENTRIES) SCRUBBED.clear();
    SCRUBBED.set(s, out);
  }
  return out;
}

function logValue(key: string, value: unknown): unknown {
  if (typeof value === "string") return CREDENTIAL_FIELD.test(key) ? marker("authorization") : scrubString(value);
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/**
 * One JSON object per line, so logs can be filtered by field (request_id,
 * batch_id, job). Every line of a request or of the queue work it caused
 * carries the request id. Every string in it (error messages too) is scrubbed
 * of secrets first: a log line never prints a bearer token or API key.
 *
 * @example
 * log("info", "chunk processed", { request_id, batch_id, events: 12 });
 */
export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const line = flatLine(level, msg, fields) ?? JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields }, logValue);
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/**
 * The same line as the generic path for the common case, every field a
 * string, a finite number, a boolean or null (the per-request line), built
 * without a replacer call per key; undefined when a field is anything else.
 * Strings are scrubbed exactly as logValue does.
 */
function flatLine(level: Level, msg: string, fields: Record<string, unknown>): string | undefined {
  let out = `{"level":${JSON.stringify(scrubString(level))},"msg":${JSON.stringify(scrubString(msg))},"time":${JSON.stringify(scrubString(new Date().toISOString()))}`;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    // Keys the generic path would place or override differently (its fixed three, array indices).
    if (key === "level" || key === "msg" || key === "time" || /^\d+$/.test(key)) return undefined;
    const value = fields[key];
    let text: string;
    if (typeof value === "string") text = JSON.stringify(logValue(key, value));
    else if (typeof value === "number") text = Number.isFinite(value) ? String(value) : "null";
    else if (typeof value === "boolean" || value === null) text = String(value);
    else if (value === undefined) continue;
    else return undefined;
    out += `,${JSON.stringify(key)}:${text}`;
  }
  return `${out}}`;
}

/** A bounded label for an error: which kind of thing failed, never its message. */
export function errorType(err: unknown): string {
  const message = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  if (/timeout|timed out|abort/i.test(message)) return "timeout";
  if (/D1_|SQLITE|sql/i.test(message)) return "database";
  if (/fetch|network|ECONN|HTTP|status/i.test(message)) return "http";
  if (/zod|invalid|validation/i.test(message)) return "validation";
  return "other";
}

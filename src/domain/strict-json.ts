import { MAX_JSON_DEPTH } from "./json-depth";

/** Why a syntactically valid JSON text is still refused. */
export type JsonProblemCode = "duplicate_key" | "reserved_key" | "invalid_unicode" | "too_deep";

/** One problem, located by the path of keys and indexes that leads to it. */
export interface JsonProblem {
  code: JsonProblemCode;
  path: (string | number)[];
  message: string;
}

export type StrictJsonResult = { ok: true; value: unknown } | { ok: false; code: JsonProblemCode | "invalid_json"; path: string; message: string };

export interface StrictJsonOptions {
  /** Deepest nesting of objects and arrays accepted (the top level is depth 1). */
  maxDepth?: number;
}

/**
 * Parses JSON the way Gleaner stores it: `JSON.parse` keeps the last of two
 * equal keys while SQLite's `->>` reads the first, so a duplicate key would let
 * what is answered, validated and stored disagree. Such a text is refused, as
 * are lone surrogates (not storable as UTF-8), `__proto__` keys (an object
 * built from them loses them silently) and nesting deeper than `maxDepth`.
 *
 * @example
 * parseStrictJson('{"id":"a","id":"b"}') // { ok: false, code: "duplicate_key", path: "id", ... }
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): StrictJsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, code: "invalid_json", path: "", message: `not valid JSON: ${(e as Error).message}` };
  }
  const problems = scanJson(text, options.maxDepth ?? MAX_JSON_DEPTH, 1);
  const first = problems[0];
  if (first) return { ok: false, code: first.code, path: formatPath(first.path), message: first.message };
  return { ok: true, value };
}

/** A dotted path (`messages.0.content`), as field errors name fields. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.map(String).join(".");
}

interface Frame {
  object: boolean;
  /** Object: the key being read or just read; array: the index of the current element. */
  at: string | number;
  expectKey: boolean;
  keys: string[] | Set<string> | null;
}

const QUOTE = 34;
const BACKSLASH = 92;

/**
 * Finds the problems of a text that `JSON.parse` accepted, in one pass that
 * skips string bodies with `indexOf`. Stops after `limit` problems.
 * Precondition: `text` is valid JSON.
 */
export function scanJson(text: string, maxDepth: number, limit = 100): JsonProblem[] {
  const problems: JsonProblem[] = [];
  const stack: Frame[] = [];
  // Levels past maxDepth are only counted, never tracked.
  let overflow = 0;
  let nextBackslash = text.indexOf("\\");
  const wellFormed = isWellFormed(text);
  const add = (code: JsonProblemCode, path: (string | number)[], message: string) => problems.push({ code, path, message });
  const pathHere = () => stack.map((f) => f.at);

  let i = 0;
  const n = text.length;
  while (i < n && problems.length < limit) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      let end = -1;
      let escaped = false;
      let badEscape = false;
      let j = start;
      for (;;) {
        const q = text.indexOf('"', j);
        if (nextBackslash !== -1 && nextBackslash < j) nextBackslash = text.indexOf("\\", j);
        if (nextBackslash === -1 || nextBackslash > q) {
          end = q;
          break;
        }
        escaped = true;
        const k = nextBackslash;
        if (text.charCodeAt(k + 1) === 117 /* u */) {
          const unit = Number.parseInt(text.slice(k + 2, k + 6), 16);
          if (unit >= 0xd800 && unit <= 0xdbff) {
            const low = text.charCodeAt(k + 6) === BACKSLASH && text.charCodeAt(k + 7) === 117 ? Number.parseInt(text.slice(k + 8, k + 12), 16) : -1;
            if (low >= 0xdc00 && low <= 0xdfff) j = k + 12;
            else {
              badEscape = true;
              j = k + 6;
            }
          } else {
            if (unit >= 0xdc00 && unit <= 0xdfff) badEscape = true;
            j = k + 6;
          }
        } else j = k + 2;
        nextBackslash = text.indexOf("\\", j);
      }
      // The string's text is cut out only where it is needed: keys, and values of a text that is not well-formed.
      const badRaw = !wellFormed && !isWellFormed(text.slice(start, end));
      const top = stack[stack.length - 1];
      if (overflow === 0 && top?.object && top.expectKey) {
        const raw = text.slice(start, end);
        const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        top.at = key;
        top.expectKey = false;
        if (badEscape || badRaw) add("invalid_unicode", pathHere(), "the key is not well-formed Unicode (lone surrogate)");
        else if (key === "__proto__") add("reserved_key", pathHere(), "the key '__proto__' is reserved: rename it");
        else if (hasKey(top, key)) add("duplicate_key", pathHere(), `the key '${key}' appears more than once`);
      } else if (overflow === 0 && (badEscape || badRaw)) {
        add("invalid_unicode", pathHere(), "must be well-formed Unicode (lone surrogate)");
      }
      i = end + 1;
      continue;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      if (overflow > 0 || stack.length >= maxDepth) {
        if (overflow === 0) add("too_deep", pathHere(), `nests deeper than ${maxDepth} levels`);
        overflow++;
      } else stack.push({ object: c === 123, at: c === 123 ? "" : 0, expectKey: c === 123, keys: null });
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      if (overflow > 0) overflow--;
      else stack.pop();
    } else if (c === 44 /* , */ && overflow === 0) {
      const top = stack[stack.length - 1];
      if (top?.object) top.expectKey = true;
      else if (top) top.at = (top.at as number) + 1;
    }
    i++;
  }
  return problems;
}

/** Records `key` in the frame; true when it was already there. Small objects use an array, large ones a Set. */
function hasKey(frame: Frame, key: string): boolean {
  if (frame.keys === null) {
    frame.keys = [key];
    return false;
  }
  if (Array.isArray(frame.keys)) {
    if (frame.keys.includes(key)) return true;
    frame.keys.push(key);
    if (frame.keys.length > 16) frame.keys = new Set(frame.keys);
    return false;
  }
  if (frame.keys.has(key)) return true;
  frame.keys.add(key);
  return false;
}

/** String.prototype.isWellFormed (ES2024; workerd and Node 20 have it), typed for the ES2022 lib. */
export function isWellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

/** A copy of a JSON value with every lone surrogate (in strings and keys) replaced by U+FFFD. */
export function toWellFormedDeep(value: unknown): unknown {
  if (typeof value === "string") return isWellFormed(value) ? value : (value as string & { toWellFormed(): string }).toWellFormed();
  if (Array.isArray(value)) return value.map(toWellFormedDeep);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [toWellFormedDeep(k) as string, toWellFormedDeep(v)]));
  }
  return value;
}

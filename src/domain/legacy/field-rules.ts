import type { Outcome } from "../event-schema";
import { isScrubbedText } from "./scrubbed";

export type LegacyRecord = Record<string, unknown>;

/** One or more dotted paths in the record; the first that holds a fitting value wins. */
type Paths = string | readonly string[];

/**
 * How one event type maps onto event schema v1. Each path names where the
 * producer wrote the field; a value that fits the v1 type is moved out of the
 * attributes, one that does not (wrong type, scrubbed text) stays there.
 */
export interface FieldRules {
  query?: Paths;
  response?: Paths;
  model?: Paths;
  session_id?: Paths;
  interaction_id?: Paths;
  latency_ms?: Paths;
  /** A duration in seconds, converted to latency_ms; the original stays in attributes. */
  latency_s?: Paths;
  tokens_in?: Paths;
  tokens_out?: Paths;
  feedback?: Paths;
  /** Outcome where the data states it; the fields it reads stay in attributes. */
  outcome?: (record: LegacyRecord) => Outcome | undefined;
}

/** Fields every interaction-shaped producer writes under their v1 names. */
export const COMMON_RULES: FieldRules = {
  query: "query",
  response: "response",
  model: ["model", "model_used"],
  session_id: "session_id",
  interaction_id: "interaction_id",
  latency_ms: "latency_ms",
  tokens_in: "tokens_in",
  tokens_out: "tokens_out",
};

type Fits = (v: unknown) => boolean;
const content: Fits = (v) => typeof v === "string" && v.trim() !== "" && !isScrubbedText(v);
const shortText: Fits = (v) => typeof v === "string" && v.length > 0 && v.length <= 200;
const nonNegative: Fits = (v) => typeof v === "number" && Number.isFinite(v) && v >= 0;
const count: Fits = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const vote: Fits = (v) => v === -1 || v === 0 || v === 1;

const FIELDS = [
  ["query", content],
  ["response", content],
  ["model", shortText],
  ["session_id", shortText],
  ["interaction_id", shortText],
  ["latency_ms", nonNegative],
  ["tokens_in", count],
  ["tokens_out", count],
  ["feedback", vote],
] as const;

export type MappedFields = Partial<Record<(typeof FIELDS)[number][0], unknown>> & { outcome?: Outcome };

function get(record: unknown, path: string): unknown {
  let v = record;
  for (const key of path.split(".")) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    v = (v as LegacyRecord)[key];
  }
  return v;
}

function remove(record: LegacyRecord, path: string): void {
  const dot = path.lastIndexOf(".");
  const last = path.slice(dot + 1);
  const parent = dot >= 0 ? get(record, path.slice(0, dot)) : record;
  if (typeof parent === "object" && parent !== null) delete (parent as LegacyRecord)[last];
}

const list = (paths: Paths | undefined): readonly string[] => (paths === undefined ? [] : typeof paths === "string" ? [paths] : paths);

/**
 * Applies rules to a record. Returns the v1 fields and removes what they took
 * from `rest` (a copy of the record that becomes the attributes). A `null` in a
 * mapped field means "absent" and is dropped; no value is ever invented.
 */
export function applyRules(record: LegacyRecord, rest: LegacyRecord, rules: FieldRules): MappedFields {
  const mapped: MappedFields = {};
  for (const [field, fits] of FIELDS) {
    for (const path of list(rules[field])) {
      const value = get(record, path);
      if (value === null) remove(rest, path);
      if (mapped[field] !== undefined || !fits(value)) continue;
      mapped[field] = value;
      remove(rest, path);
    }
  }
  if (mapped.latency_ms === undefined) {
    for (const path of list(rules.latency_s)) {
      const seconds = get(record, path);
      if (nonNegative(seconds)) {
        mapped.latency_ms = Math.round((seconds as number) * 1_000_000) / 1000;
        break;
      }
    }
  }
  const outcome = rules.outcome?.(record);
  if (outcome) mapped.outcome = outcome;
  return mapped;
}

import type { FieldError } from "../event-schema";
import { parseClientTimestamp } from "../timestamps";

export type PickedTimestamp = { ok: true; value: string | number; key: "timestamp" | "ts" } | { ok: false; error: FieldError };

/** The v1 schema caps a string timestamp at this length. */
const MAX_TIMESTAMP_CHARS = 64;

function usable(value: unknown): value is string | number {
  if (typeof value === "string") return value.length <= MAX_TIMESTAMP_CHARS && parseClientTimestamp(value) !== null;
  return typeof value === "number" && parseClientTimestamp(value) !== null;
}

/**
 * The client time of a legacy record, kept as the producer wrote it: `timestamp`
 * (aware, naive, `Z`, the invalid `+00:00Z`, or a Unix float from health-spider),
 * else the float `ts` that node_dispatcher writes instead.
 */
export function pickTimestamp(record: Record<string, unknown>): PickedTimestamp {
  if (usable(record.timestamp)) return { ok: true, value: record.timestamp, key: "timestamp" };
  if (usable(record.ts)) return { ok: true, value: record.ts, key: "ts" };
  const given = record.timestamp ?? record.ts;
  const message =
    given === undefined || given === null
      ? "the record has no timestamp (nor ts)"
      : `${JSON.stringify(given).slice(0, 80)} is not an ISO 8601 time or a Unix epoch number`;
  const key = record.timestamp === undefined && record.ts !== undefined ? "ts" : "timestamp";
  return { ok: false, error: { path: `record.${key}`, message } };
}

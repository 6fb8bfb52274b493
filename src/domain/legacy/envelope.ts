import { z } from "zod";

/** The `schema_version` a legacy envelope carries in POST /v1/events. */
export const LEGACY_SCHEMA_VERSION = "legacy";

/** Records nested deeper than this are refused: no producer writes them, and recursion must stay bounded. */
export const MAX_RECORD_DEPTH = 32;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Where a legacy line came from. `file` is the label the id is derived from (the
 * file's base name, rotation suffix removed), `offset` the byte offset of the
 * line's start. Other keys a shipper adds are kept with the event.
 */
const originSchema = z.looseObject({
  file: z.string().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  line: z.number().int().positive().optional(),
  path: z.string().max(1000).optional(),
});

/** `{ schema_version: "legacy", origin, record }`: one line of a legacy JSONL file, parsed. */
export const legacyEnvelopeSchema = z.strictObject({
  schema_version: z.literal(LEGACY_SCHEMA_VERSION),
  origin: originSchema,
  record: z.custom<Record<string, unknown>>(isObject, "must be a JSON object (one line of a legacy file)"),
});

export type LegacyEnvelope = z.infer<typeof legacyEnvelopeSchema>;

/** True when an ingest item is a legacy envelope rather than a v1 event. */
export function isLegacyEnvelope(value: unknown): boolean {
  return isObject(value) && value.schema_version === LEGACY_SCHEMA_VERSION;
}

/** True when a value nests objects or arrays deeper than `limit`; stops descending at the limit. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (limit === 0) return true;
  return Object.values(value).some((v) => nestsDeeperThan(v, limit - 1));
}

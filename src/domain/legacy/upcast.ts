import { toFieldErrors, type FieldError } from "../event-schema";
import { legacyEventId, type Sha256 } from "./event-id";
import { legacyEnvelopeSchema, MAX_RECORD_DEPTH, nestsDeeperThan } from "./envelope";
import { applyRules, type LegacyRecord } from "./field-rules";
import { legacyFormatOf } from "./formats";
import { findScrubbed } from "./scrubbed";
import { pickTimestamp } from "./timestamp";

export type UpcastResult = { ok: true; event: Record<string, unknown> } | { ok: false; errors: FieldError[] };

/** Attribute keys the upcaster writes; a record's own keys of these names are kept as record_<name>. */
const RESERVED = ["legacy", "scrubbed"] as const;

/** `event` (ralph, HEAD hybrid, health-spider) or `event_type` (everyone else), as the old daemon read it. */
function readType(record: LegacyRecord): { type: string; keys: string[] } | FieldError {
  const { event, event_type: eventType } = record;
  if (typeof event === "string" && event !== "") {
    return { type: event, keys: eventType === event ? ["event", "event_type"] : ["event"] };
  }
  if (typeof eventType === "string" && eventType !== "") return { type: eventType, keys: ["event_type"] };
  return { path: "record.event_type", message: "the record has neither an event nor an event_type string" };
}

function isJsonText(text: unknown): boolean {
  if (typeof text !== "string" || !/^\s*[[{]/.test(text)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A copy of a parsed JSON value (the record, which the mapping then takes
 * fields out of): its objects and arrays new, an own `__proto__` key kept as
 * one, as structuredClone would, at a fraction of its cost. Other values are shared.
 */
function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = cloneJson((value as Record<string, unknown>)[key]);
    if (key === "__proto__") Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out;
}

function upcast(value: unknown, sha256: Sha256 | undefined): UpcastResult {
  const parsed = legacyEnvelopeSchema.safeParse(value);
  if (!parsed.success) return { ok: false, errors: toFieldErrors(parsed.error) };
  const { origin, record } = parsed.data;
  if (nestsDeeperThan(record, MAX_RECORD_DEPTH)) {
    return { ok: false, errors: [{ path: "record", message: `nests deeper than ${MAX_RECORD_DEPTH} levels` }] };
  }
  const typed = readType(record);
  if ("path" in typed) return { ok: false, errors: [typed] };
  const time = pickTimestamp(record);
  if (!time.ok) return { ok: false, errors: [time.error] };

  const format = legacyFormatOf(record, typed.type, origin.file);
  const rest = cloneJson(record) as LegacyRecord;
  for (const key of [...typed.keys, time.key]) delete rest[key];
  const fields = applyRules(record, rest, format.rules(typed.type));
  let source = format.source;
  if (typeof record.source === "string" && record.source !== "" && record.source.length <= 100) {
    source = record.source;
    delete rest.source;
  }
  for (const key of RESERVED) {
    if (key in rest) {
      rest[`record_${key}`] = rest[key];
      delete rest[key];
    }
  }
  const scrubbed = findScrubbed(rest);
  const { file, offset, ...originRest } = origin;
  const attributes: LegacyRecord = {
    ...rest,
    legacy: {
      format: format.name,
      upcaster: `${format.name}@${format.version}`,
      file,
      offset,
      ...originRest,
      ...(isJsonText(fields.response) ? { response_is_json: true } : {}),
    },
    ...(Object.keys(scrubbed).length > 0 ? { scrubbed } : {}),
  };
  return {
    ok: true,
    event: {
      id: legacyEventId(file, offset, record, sha256),
      type: typed.type,
      source,
      timestamp: time.value,
      ...fields,
      attributes,
    },
  };
}

/**
 * Maps a legacy envelope `{ schema_version: "legacy", origin, record }` to a v1
 * event (still validated by the caller against eventV1Schema). The producer
 * format is recognised from the record's content by the LEGACY_FORMATS table;
 * unknown event types are kept as they are. Never throws: a record that cannot
 * be mapped is an error with its reason. `sha256` hashes the id (the
 * synchronous JS one by default; any other must give the same digests).
 */
export function upcastLegacyEnvelope(value: unknown, sha256?: Sha256): UpcastResult {
  try {
    return upcast(value, sha256);
  } catch (e) {
    return { ok: false, errors: [{ path: "record", message: `could not be mapped: ${(e as Error).message}` }] };
  }
}

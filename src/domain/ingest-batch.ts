import { eventV1Schema, toFieldErrors, type FieldError } from "./event-schema";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "./json-depth";
import { isLegacyEnvelope, upcastLegacyEnvelope } from "./legacy";
import { redactValue, type RedactionRule } from "./redaction";
import { parseClientTimestamp } from "./timestamps";
import { utf8ByteLength } from "./utf8";

/** What ingest answers for one event of a request, in request order. */
export type EventResult =
  | { index: number; id: string; status: "accepted" | "duplicate" }
  | { index: number; id?: string; status: "rejected"; errors: FieldError[] };

/** A valid event ready to be written: its JSON as received and its parsed client time. */
export interface ValidEvent {
  index: number;
  id: string;
  json: string;
  bytes: number;
  clientTimeMs: number;
}

export interface IngestLimits {
  maxEventsPerRequest: number;
  maxEventBytes: number;
  /** Secret-scrubbing rules applied to every text field before anything is stored. */
  redaction: readonly RedactionRule[];
}

/** Why a whole request could not be read; rendered as one error. */
export interface BodyProblem {
  status: 400 | 413 | 415;
  code: string;
  message: string;
}

/** One raw item from the body: a value, or a line that was not JSON. */
type RawItem = { value: unknown; text?: string } | { parseError: string };

/**
 * Splits a request body into raw items. JSON bodies must be `{ "events": [...] }`;
 * NDJSON bodies carry one event per non-empty line, and a bad line rejects only itself.
 */
export function splitBody(body: string, contentType: string): RawItem[] | BodyProblem {
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType === "application/x-ndjson" || mediaType === "application/jsonl") {
    const items: RawItem[] = [];
    for (const line of body.split("\n")) {
      const text = line.trim();
      if (text === "") continue;
      try {
        items.push({ value: JSON.parse(text), text });
      } catch (e) {
        items.push({ parseError: `line is not valid JSON: ${(e as Error).message}` });
      }
    }
    if (items.length === 0) return { status: 400, code: "empty_body", message: "the body holds no events" };
    return items;
  }
  if (mediaType !== "application/json" && mediaType !== "") {
    return {
      status: 415,
      code: "unsupported_media_type",
      message: `content-type ${mediaType} is not supported: send application/json or application/x-ndjson`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return { status: 400, code: "invalid_json", message: `the body is not valid JSON: ${(e as Error).message}` };
  }
  const list = (parsed as { events?: unknown } | null)?.events;
  if (typeof parsed !== "object" || parsed === null || !Array.isArray(list)) {
    return { status: 400, code: "invalid_body", message: 'the body must be an object { "events": [ ... ] }' };
  }
  if (list.length === 0) return { status: 400, code: "empty_body", message: "events must hold at least one event" };
  return list.map((value) => ({ value }));
}

/**
 * Validates every item and decides its fate before anything is written:
 * rejected (with field paths), a repeat of an earlier id in the same request
 * (duplicate), or valid. Storage later turns valid into accepted or duplicate.
 */
export function validateItems(
  items: RawItem[],
  limits: IngestLimits,
): { results: EventResult[]; valid: ValidEvent[]; redactions: Map<string, number> } | BodyProblem {
  if (items.length > limits.maxEventsPerRequest) {
    return {
      status: 413,
      code: "too_many_events",
      message: `the request holds ${items.length} events; the limit is ${limits.maxEventsPerRequest} per request`,
    };
  }
  const results: EventResult[] = [];
  const valid: ValidEvent[] = [];
  const seen = new Set<string>();
  const redactions = new Map<string, number>();
  items.forEach((item, index) => {
    if ("parseError" in item) {
      results.push({ index, status: "rejected", errors: [{ path: "", message: item.parseError }] });
      return;
    }
    if (jsonDepthExceeds(item.value)) {
      results.push({ index, ...(idOf(item.value) ? { id: idOf(item.value)! } : {}), status: "rejected", errors: [{ path: "", message: `event nests deeper than ${MAX_JSON_DEPTH} levels` }] });
      return;
    }
    let value = item.value;
    let text = item.text;
    if (isLegacyEnvelope(value)) {
      const upcast = upcastLegacyEnvelope(value);
      if (!upcast.ok) {
        results.push({ index, status: "rejected", errors: upcast.errors });
        return;
      }
      value = upcast.event;
      text = undefined;
    }
    const json = text ?? JSON.stringify(value);
    const bytes = utf8ByteLength(json);
    const claimedId = idOf(value);
    if (bytes > limits.maxEventBytes) {
      results.push({
        index,
        ...(claimedId ? { id: claimedId } : {}),
        status: "rejected",
        errors: [{ path: "", message: `event is ${bytes} bytes; the limit is ${limits.maxEventBytes}` }],
      });
      return;
    }
    const parsed = eventV1Schema.safeParse(value);
    if (!parsed.success) {
      results.push({
        index,
        ...(claimedId ? { id: claimedId } : {}),
        status: "rejected",
        errors: toFieldErrors(parsed.error),
      });
      return;
    }
    const event = parsed.data;
    if (seen.has(event.id)) {
      results.push({ index, id: event.id, status: "duplicate" });
      return;
    }
    seen.add(event.id);
    results.push({ index, id: event.id, status: "accepted" });
    // Identity fields stay as sent (they are the idempotency key); every other string is scrubbed.
    const { id, timestamp, ...rest } = event;
    const scrubbed = redactValue(rest, limits.redaction, redactions);
    const stored = scrubbed === rest ? json : JSON.stringify({ id, timestamp, ...scrubbed });
    valid.push({ index, id, json: stored, bytes: utf8ByteLength(stored), clientTimeMs: parseClientTimestamp(timestamp) as number });
  });
  return { results, valid, redactions };
}

/** Groups valid events into chunks bounded by count and bytes, in request order. */
export function chunkEvents(valid: ValidEvent[], maxEvents: number, maxBytes: number): ValidEvent[][] {
  const chunks: ValidEvent[][] = [];
  let current: ValidEvent[] = [];
  let bytes = 0;
  for (const event of valid) {
    if (current.length > 0 && (current.length >= maxEvents || bytes + event.bytes > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += event.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function idOf(value: unknown): string | undefined {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === "string" && id.length > 0 && id.length <= 200 ? id : undefined;
}

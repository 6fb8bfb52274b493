import { withDerivedTexts } from "./conversation";
import type { FieldError } from "./event-schema";
import { parseEventV2 } from "./event-v2-check";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "./json-depth";
import type { Problem } from "./problem";
import { formatPath, scanJson, toWellFormedDeep, type JsonProblem, type JsonProblemCode } from "./strict-json";
import { isLegacyEnvelope, upcastLegacyEnvelope } from "./legacy";
import { redactValue, type RedactionRule } from "./redaction";
import { utf8ByteLength } from "./utf8";

/** What ingest answers for one event of a request, in request order. */
export type EventResult =
  | { index: number; id: string; status: "accepted" | "duplicate" }
  | { index: number; id?: string; status: "rejected"; errors: FieldError[] };

/** A valid event ready to be written: the JSON of the validated, scrubbed event and its parsed client time. */
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

/** Why a whole request could not be read (a JSON problem code, or one of these); rendered as one error. */
export type BodyProblem = Problem<"unsupported_media_type" | "invalid_json" | "invalid_body" | "empty_body" | "too_many_events" | JsonProblemCode>;

/**
 * One raw item from the body: a parsed value (with the problems the strict
 * scan found in its text, paths relative to the event), or a line that was not JSON.
 * `scanned` says its text was already checked for duplicate keys and lone surrogates.
 */
export type RawItem = { value: unknown; problems?: JsonProblem[]; scanned?: boolean } | { parseError: string };

/** Nesting the wrapper `{ "events": [ ... ] }` adds above each event. */
const BODY_WRAPPER_DEPTH = 2;

/**
 * Splits a request body into raw items. JSON bodies must be `{ "events": [...] }`;
 * NDJSON bodies carry one event per non-empty line, and a bad line rejects only itself.
 * Every text is scanned strictly (see strict-json.ts): a duplicate key, a lone
 * surrogate or too deep a nesting rejects only the event that holds it.
 */
export function splitBody(body: string, contentType: string): RawItem[] | BodyProblem {
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType === "application/x-ndjson" || mediaType === "application/jsonl") {
    const items: RawItem[] = [];
    for (const line of body.split("\n")) {
      const text = line.trim();
      if (text === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        items.push({ parseError: `line is not valid JSON: ${(e as Error).message}` });
        continue;
      }
      const problems = scanJson(text, MAX_JSON_DEPTH, 20);
      items.push(problems.length ? { value, problems, scanned: true } : { value, scanned: true });
    }
    if (items.length === 0) return { problem: "empty_body", message: "the body holds no events" };
    return items;
  }
  if (mediaType !== "application/json" && mediaType !== "") {
    return {
      problem: "unsupported_media_type",
      message: `content-type ${mediaType} is not supported: send application/json or application/x-ndjson`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return { problem: "invalid_json", message: `the body is not valid JSON: ${(e as Error).message}` };
  }
  const list = (parsed as { events?: unknown } | null)?.events;
  if (typeof parsed !== "object" || parsed === null || !Array.isArray(list)) {
    return { problem: "invalid_body", message: 'the body must be an object { "events": [ ... ] }' };
  }
  if (list.length === 0) return { problem: "empty_body", message: "events must hold at least one event" };
  const perEvent = new Map<number, JsonProblem[]>();
  for (const problem of scanJson(body, MAX_JSON_DEPTH + BODY_WRAPPER_DEPTH, 1000)) {
    const [top, index, ...rest] = problem.path;
    if (top !== "events" || typeof index !== "number") {
      return { problem: problem.code, message: `${formatPath(problem.path) || "body"}: ${problem.message}` };
    }
    const list = perEvent.get(index) ?? [];
    list.push({ ...problem, path: rest });
    perEvent.set(index, list);
  }
  return list.map((value, i) => {
    const problems = perEvent.get(i);
    return problems ? { value, problems, scanned: true } : { value, scanned: true };
  });
}

export interface ValidateOptions extends IngestLimits {
  /** Gleaner's own events (the proxy's log) may use the reserved id prefixes. */
  internal?: boolean;
}

/** Id prefixes only Gleaner itself writes: a producer cannot forge or shadow them. */
export const RESERVED_ID_PREFIXES = ["proxy:"] as const;

/**
 * Validates every item and decides its fate before anything is written:
 * rejected (with field paths), a repeat of an earlier id in the same request
 * (duplicate), or valid. Storage later turns valid into accepted or duplicate.
 * What is stored is the serialisation of the validated, scrubbed object, never
 * the text as received, so every column and every reader sees the same event.
 */
export function validateItems(
  items: RawItem[],
  limits: ValidateOptions,
): { results: EventResult[]; valid: ValidEvent[]; redactions: Map<string, number> } | BodyProblem {
  if (items.length > limits.maxEventsPerRequest) {
    return {
      problem: "too_many_events",
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
    const claimed = idOf(item.value);
    const reject = (errors: FieldError[]) => results.push({ index, ...(claimed ? { id: claimed } : {}), status: "rejected", errors });
    // Legacy log files are history, not input to correct: their truncated surrogate pairs are repaired (U+FFFD) below.
    const legacy = isLegacyEnvelope(item.value);
    const problems = legacy ? item.problems?.filter((p) => p.code !== "invalid_unicode") : item.problems;
    if (problems?.length) {
      reject(problems.map((p) => ({ path: formatPath(p.path), message: p.message, code: p.code })));
      return;
    }
    if (!item.scanned && jsonDepthExceeds(item.value)) {
      reject([{ path: "", message: `event nests deeper than ${MAX_JSON_DEPTH} levels`, code: "too_deep" }]);
      return;
    }
    let value = item.value;
    if (legacy) {
      const upcast = upcastLegacyEnvelope(value);
      if (!upcast.ok) {
        results.push({ index, status: "rejected", errors: upcast.errors });
        return;
      }
      value = toWellFormedDeep(upcast.event);
    }
    const parsed = parseEventV2(value);
    if (!parsed.ok) {
      reject(parsed.errors);
      return;
    }
    const event = withDerivedTexts(parsed.event);
    if (!limits.internal && RESERVED_ID_PREFIXES.some((p) => event.id.startsWith(p))) {
      reject([
        { path: "id", message: `ids starting with '${RESERVED_ID_PREFIXES.join("', '")}' are reserved for events Gleaner records itself`, code: "reserved_id" },
      ]);
      return;
    }
    // Identity fields stay as sent (they are the idempotency key); every other string is scrubbed.
    const { id, timestamp, ...rest } = event;
    const counts = new Map<string, number>();
    const scrubbed = redactValue(rest, limits.redaction, counts);
    const json = JSON.stringify({ id, timestamp, ...scrubbed });
    if (!item.scanned) {
      // Values built in code (OTLP, legacy, the proxy) were never text: check what they serialise to.
      const problems = scanJson(json, MAX_JSON_DEPTH, 5);
      if (problems.length) {
        reject(problems.map((p) => ({ path: formatPath(p.path), message: p.message, code: p.code })));
        return;
      }
    }
    const bytes = utf8ByteLength(json);
    if (bytes > limits.maxEventBytes) {
      reject([{ path: "", message: `event is ${bytes} bytes; the limit is ${limits.maxEventBytes}`, code: "too_large" }]);
      return;
    }
    if (seen.has(id)) {
      results.push({ index, id, status: "duplicate" });
      return;
    }
    seen.add(id);
    results.push({ index, id, status: "accepted" });
    for (const [kind, n] of counts) redactions.set(kind, (redactions.get(kind) ?? 0) + n);
    valid.push({ index, id, json, bytes, clientTimeMs: parsed.clientTimeMs });
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

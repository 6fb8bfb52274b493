import { z } from "zod";
import { spanConversation, type SpanConversation } from "./otlp-messages";
import { attributeMap, type AnyValue, type KeyValue, otlpAnyValueSchema, otlpKeyValueSchema, plainValue, unixNanosSchema } from "./otlp-values";

/*
 * OTLP logs carrying GenAI messages. Semantic conventions 1.28–1.36 emit each message of an LLM
 * call as a log record (an "event": `gen_ai.system.message`, `gen_ai.user.message`,
 * `gen_ai.assistant.message`, `gen_ai.tool.message`, `gen_ai.choice`) with the message in its
 * body, linked to the call's span by trace and span id. Gleaner keeps those records and joins
 * them to the span's event `<traceId>:<spanId>`, whichever of the two arrives first
 * (src/pipeline/otlp-log-records.ts). Other log records are counted and skipped.
 */

/** The log-record event names that carry one GenAI message. */
export const GENAI_LOG_EVENTS: ReadonlySet<string> = new Set([
  "gen_ai.system.message",
  "gen_ai.user.message",
  "gen_ai.assistant.message",
  "gen_ai.tool.message",
  "gen_ai.choice",
]);

const keyValues = z.array(otlpKeyValueSchema).optional();

const logRecordSchema = z.object({
  timeUnixNano: unixNanosSchema.optional(),
  observedTimeUnixNano: unixNanosSchema.optional(),
  severityNumber: z.union([z.number().int(), z.string().max(64)]).optional(),
  severityText: z.string().max(256).optional(),
  body: otlpAnyValueSchema.optional(),
  attributes: keyValues,
  droppedAttributesCount: z.number().int().nonnegative().optional(),
  flags: z.number().int().nonnegative().optional(),
  eventName: z.string().max(256).optional(),
  // Empty when the record is not in a span's context.
  traceId: z.union([z.literal(""), z.string().regex(/^[0-9a-fA-F]{32}$/, "must be 32 hex digits")]).optional(),
  spanId: z.union([z.literal(""), z.string().regex(/^[0-9a-fA-F]{16}$/, "must be 16 hex digits")]).optional(),
});

/** ExportLogsServiceRequest in the OTLP/HTTP JSON encoding (records are read one by one, so one bad record rejects only itself). */
export const otlpLogsSchema = z.object({
  resourceLogs: z
    .array(
      z.object({
        resource: z.object({ attributes: keyValues }).optional(),
        scopeLogs: z.array(z.object({ logRecords: z.array(z.unknown()).optional() })).optional(),
      }),
    )
    .optional(),
});

/** One GenAI message record, validated, with its body as a plain JSON object. */
export interface GenAiLogRecord {
  traceId: string;
  spanId: string;
  /** Nanoseconds as 20 decimal digits, so text order is time order. */
  timeUnixNano: string;
  /** Its place among the records of its span in the request: keeps messages of one instant in order. */
  position: number;
  name: string;
  body: Record<string, unknown>;
}

export interface LogRecordMapping {
  records: GenAiLogRecord[];
  /** Log records that carry no GenAI message: counted, not stored. */
  skipped: number;
  /** Records that could not be read or cannot be joined (no span context), with the reason. */
  invalid: { path: string; message: string }[];
}

const pad = (ns: string | number) => BigInt(ns).toString().padStart(20, "0");

/** The record's event name: the `event_name` field (OTLP 1.5+), else the older `event.name` attribute. */
function eventNameOf(eventName: string | undefined, attrs: Map<string, unknown>): string | undefined {
  if (eventName) return eventName;
  const attr = attrs.get("event.name");
  return typeof attr === "string" ? attr : undefined;
}

/** The body as the attributes a span event of the same name would carry (a string body is the message's content). */
function bodyObject(body: AnyValue | undefined): Record<string, unknown> {
  const value = plainValue(body);
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  if (typeof value === "string") return { content: value };
  return {};
}

/** Reads the GenAI message records of an ExportLogsServiceRequest. */
export function mapGenAiLogRecords(request: z.infer<typeof otlpLogsSchema>): LogRecordMapping {
  const out: LogRecordMapping = { records: [], skipped: 0, invalid: [] };
  const positions = new Map<string, number>();
  (request.resourceLogs ?? []).forEach((rl, ri) => {
    (rl.scopeLogs ?? []).forEach((sl, si) => {
      (sl.logRecords ?? []).forEach((raw, li) => {
        const path = `resourceLogs.${ri}.scopeLogs.${si}.logRecords.${li}`;
        const parsed = logRecordSchema.safeParse(raw);
        if (!parsed.success) {
          const [issue] = parsed.error.issues;
          out.invalid.push(issue ? { path: `${path}.${issue.path.join(".")}`, message: issue.message } : { path, message: "not a valid log record" });
          return;
        }
        const record = parsed.data;
        const attrs = attributeMap(record.attributes as KeyValue[] | undefined);
        const name = eventNameOf(record.eventName, attrs);
        if (!name || !GENAI_LOG_EVENTS.has(name)) {
          out.skipped++;
          return;
        }
        if (!record.traceId || !record.spanId) {
          out.invalid.push({ path, message: `a ${name} record needs traceId and spanId: it belongs to the span of its LLM call` });
          return;
        }
        const traceId = record.traceId.toLowerCase();
        const spanId = record.spanId.toLowerCase();
        const span = `${traceId}:${spanId}`;
        const position = positions.get(span) ?? 0;
        positions.set(span, position + 1);
        const time = record.timeUnixNano !== undefined && BigInt(record.timeUnixNano) > 0n ? record.timeUnixNano : (record.observedTimeUnixNano ?? 0);
        out.records.push({ traceId, spanId, timeUnixNano: pad(time), position, name, body: bodyObject(record.body) });
      });
    });
  });
  return out;
}

/** The stored form of a record the join reads back. */
export type JoinableRecord = Pick<GenAiLogRecord, "name" | "body">;

/** The conversation the records of one span hold, in their order (time, then position). */
export function logRecordConversation(records: readonly JoinableRecord[]): SpanConversation {
  return spanConversation(
    new Map(),
    records.map((r) => ({ name: r.name, attrs: new Map(Object.entries(r.body)) })),
  );
}

/** The attribute that marks an event's messages as joined from log records (so later records rebuild them). */
export const MESSAGES_FROM_ATTRIBUTE = "gleaner.messages_from";

/**
 * The span's event with its log records joined, or undefined when nothing changes. Messages the
 * span carried itself win (semconv 1.37 attributes, span events, …): records only fill an event
 * without messages, or rebuild the messages an earlier join gave it. The result depends only on
 * the event and the whole set of records, so the order of arrival changes nothing.
 */
export function joinLogRecords(event: Record<string, unknown>, records: readonly JoinableRecord[]): Record<string, unknown> | undefined {
  const attributes = (event.attributes ?? {}) as Record<string, unknown>;
  const joinedBefore = attributes[MESSAGES_FROM_ATTRIBUTE] === "log_records";
  if (Array.isArray(event.messages) && event.messages.length > 0 && !joinedBefore) return undefined;
  const conversation = logRecordConversation(records);
  if (conversation.messages.length === 0) return undefined;
  const { query: _q, response: _r, ...rest } = event;
  const finish =
    conversation.finishReasons.length && !attributes["gen_ai.response.finish_reasons"] ? { "gen_ai.response.finish_reasons": conversation.finishReasons } : {};
  const joined = {
    ...rest,
    messages: conversation.messages,
    attributes: { ...attributes, ...finish, [MESSAGES_FROM_ATTRIBUTE]: "log_records" },
  };
  return JSON.stringify(joined) === JSON.stringify(event) ? undefined : joined;
}

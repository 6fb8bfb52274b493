import { z } from "zod";
import { isConventionGeneration } from "./otlp-conventions";
import { spanConversation, TOOL_EXECUTION_CONTENT } from "./otlp-messages";
import { attributeMap, type KeyValue, otlpKeyValueSchema, unixNanosSchema } from "./otlp-values";

export { otlpAnyValueSchema, otlpKeyValueSchema } from "./otlp-values";
const keyValues = z.array(otlpKeyValueSchema).optional();

const spanSchema = z.object({
  traceId: z.string().regex(/^[0-9a-fA-F]{32}$/, "must be 32 hex digits"),
  spanId: z.string().regex(/^[0-9a-fA-F]{16}$/, "must be 16 hex digits"),
  parentSpanId: z.string().max(64).optional(),
  name: z.string().optional(),
  startTimeUnixNano: unixNanosSchema.optional(),
  endTimeUnixNano: unixNanosSchema.optional(),
  attributes: keyValues,
  events: z.array(z.object({ name: z.string().optional(), timeUnixNano: unixNanosSchema.optional(), attributes: keyValues })).optional(),
  status: z.object({ code: z.union([z.number(), z.string()]).optional(), message: z.string().optional() }).optional(),
});

/** ExportTraceServiceRequest in the OTLP/HTTP JSON encoding. */
export const otlpTracesSchema = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes: keyValues }).optional(),
        scopeSpans: z.array(z.object({ spans: z.array(z.unknown()).optional() })).optional(),
      }),
    )
    .optional(),
});

/** Deepest nesting accepted in an OTLP body: the envelope takes ~8 levels, attribute values the rest. */
export const MAX_OTLP_DEPTH = 64;

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);

/** The text of the last message with one of `roles` in a GenAI messages attribute (JSON string or array). */
function lastMessage(raw: unknown, roles: readonly string[]): string | undefined {
  let messages: unknown = raw;
  if (typeof raw === "string") {
    try {
      messages = JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (!Array.isArray(messages)) return undefined;
  for (const m of [...messages].reverse()) {
    if (m === null || typeof m !== "object") continue;
    const msg = m as { role?: string; content?: unknown; parts?: { type?: string; content?: unknown; text?: unknown }[]; message?: { content?: unknown } };
    if (msg.role !== undefined && !roles.includes(msg.role)) continue;
    if (typeof msg.content === "string") return msg.content;
    if (typeof msg.message?.content === "string") return msg.message.content;
    const parts = Array.isArray(msg.parts) ? msg.parts.filter((p) => p !== null && typeof p === "object") : [];
    const text = parts.map((p) => (typeof p.content === "string" ? p.content : typeof p.text === "string" ? p.text : "")).join("");
    if (text) return text;
  }
  return undefined;
}

function nanosToIso(ns: string | number | undefined): string | undefined {
  if (ns === undefined) return undefined;
  const n = typeof ns === "string" ? BigInt(ns) : BigInt(Math.trunc(ns));
  // 2^64 ns is year 2554: always a valid Date.
  if (n <= 0n) return undefined;
  return new Date(Number(n / 1_000_000n)).toISOString();
}

export interface SpanMapping {
  events: Record<string, unknown>[];
  /** Spans that are not LLM calls (no gen_ai.* attribute, nor an OpenInference / Vercel AI SDK / Langfuse LLM form): counted, not stored. */
  skipped: number;
  /** Spans that could not be read at all, with the reason. */
  invalid: { path: string; message: string }[];
}

/**
 * Maps OTLP spans that follow the OpenTelemetry GenAI semantic conventions to
 * v2 events, one per LLM call, with id `<traceId>:<spanId>` so a replay is a
 * duplicate. Each carries the whole conversation as `messages` (+ `tools`),
 * read from semconv 1.37+ attributes, the 1.28–1.36 message events, or the
 * ≤1.27 prompt/completion (src/domain/otlp-messages.ts), and `trace_id`,
 * `span_id`, `parent_id`; `session_id` is the conversation id, else the trace id.
 * A tool execution (`execute_tool`, or the AI SDK's `ai.toolCall`) is an event
 * of its own, `gen_ai.execute_tool`, in the same session as the LLM calls of its
 * trace, its call and result as messages.
 */
export function mapGenAiSpans(request: z.infer<typeof otlpTracesSchema>): SpanMapping {
  const out: SpanMapping = { events: [], skipped: 0, invalid: [] };
  (request.resourceSpans ?? []).forEach((rs, ri) => {
    const resource = attributeMap(rs.resource?.attributes as KeyValue[] | undefined);
    (rs.scopeSpans ?? []).forEach((ss, si) => {
      (ss.spans ?? []).forEach((raw, pi) => {
        const path = `resourceSpans.${ri}.scopeSpans.${si}.spans.${pi}`;
        const parsed = spanSchema.safeParse(raw);
        if (!parsed.success) {
          const [issue] = parsed.error.issues;
          out.invalid.push(issue ? { path: `${path}.${issue.path.join(".")}`, message: issue.message } : { path, message: "not a valid span" });
          return;
        }
        const span = parsed.data;
        const attrs = attributeMap(span.attributes as KeyValue[] | undefined);
        const events = (span.events ?? []).map((e) => ({ name: e.name ?? "", attrs: attributeMap(e.attributes as KeyValue[] | undefined) }));
        // The whole conversation (src/domain/otlp-messages.ts says which source wins).
        const conversation = spanConversation(attrs, events);
        // OpenInference, Vercel AI SDK and Langfuse LLM spans may carry no gen_ai.* attribute.
        if (![...attrs.keys()].some((k) => k.startsWith("gen_ai.")) && !conversation.fromConvention && !isConventionGeneration(attrs)) {
          out.skipped++;
          return;
        }
        const eventText = (names: string[], keys: string[]) => {
          for (const e of [...events].reverse()) {
            if (!names.includes(e.name)) continue;
            for (const k of keys) {
              const v = e.attrs.get(k);
              const text = typeof v === "string" ? v : lastMessage(v === undefined ? undefined : [v], ["assistant", "user"]);
              if (text) return text;
            }
          }
          return undefined;
        };
        // With messages, ingest derives query/response (last user / assistant text);
        // the older single-text readers below remain for spans whose messages are all unusable.
        const hasMessages = conversation.messages.length > 0;
        const query = hasMessages
          ? undefined
          : (lastMessage(attrs.get("gen_ai.input.messages"), ["user"]) ??
            str(attrs.get("gen_ai.prompt")) ??
            eventText(["gen_ai.user.message", "gen_ai.content.prompt"], ["content", "gen_ai.prompt"]));
        const response = hasMessages
          ? undefined
          : (lastMessage(attrs.get("gen_ai.output.messages"), ["assistant"]) ??
            str(attrs.get("gen_ai.completion")) ??
            eventText(["gen_ai.choice", "gen_ai.assistant.message", "gen_ai.content.completion"], ["content", "message", "gen_ai.completion"]));
        const start = span.startTimeUnixNano;
        const end = span.endTimeUnixNano;
        const latency = start !== undefined && end !== undefined ? Number(BigInt(end) - BigInt(start)) / 1e6 : undefined;
        const code = String(span.status?.code ?? "");
        const operation = str(attrs.get("gen_ai.operation.name")) ?? conversation.details.operation ?? "chat";
        // What became messages is not kept a second time among the attributes.
        const asMessages = new Set<string>(hasMessages && operation === "execute_tool" ? TOOL_EXECUTION_CONTENT : []);
        const event: Record<string, unknown> = {
          id: `${span.traceId}:${span.spanId}`,
          type: `gen_ai.${operation}`,
          source: str(resource.get("service.name")) ?? str(attrs.get("gen_ai.system")) ?? str(attrs.get("gen_ai.provider.name")) ?? "otel",
          timestamp: nanosToIso(start) ?? nanosToIso(end) ?? new Date(0).toISOString(),
          outcome:
            code === "2" || code === "STATUS_CODE_ERROR" || attrs.has("error.type")
              ? "failure"
              : code === "1" || code === "STATUS_CODE_OK"
                ? "success"
                : "unknown",
          tags: [...new Set(["otel", ...conversation.details.tags])].slice(0, 50),
          attributes: {
            trace_id: span.traceId,
            span_id: span.spanId,
            ...(span.parentSpanId ? { parent_span_id: span.parentSpanId } : {}),
            ...(span.name ? { span_name: span.name } : {}),
            ...Object.fromEntries(
              [...attrs].filter(
                ([k]) =>
                  k.startsWith("gen_ai.") &&
                  !asMessages.has(k) &&
                  !/messages$|^gen_ai\.(prompt|completion|system_instructions|tool\.definitions)$|^gen_ai\.(prompt|completion)\.\d/.test(k),
              ),
            ),
            ...conversation.details.usage,
            ...(conversation.finishReasons.length && !attrs.has("gen_ai.response.finish_reasons")
              ? { "gen_ai.response.finish_reasons": conversation.finishReasons }
              : {}),
          },
          trace_id: span.traceId,
          span_id: span.spanId,
          ...(span.parentSpanId ? { parent_id: span.parentSpanId } : {}),
        };
        if (hasMessages) event.messages = conversation.messages;
        if (conversation.tools.length) event.tools = conversation.tools;
        const { details } = conversation;
        const model = str(attrs.get("gen_ai.response.model")) ?? str(attrs.get("gen_ai.request.model")) ?? details.model;
        const tokensIn = num(attrs.get("gen_ai.usage.input_tokens")) ?? num(attrs.get("gen_ai.usage.prompt_tokens")) ?? details.tokensIn;
        const tokensOut = num(attrs.get("gen_ai.usage.output_tokens")) ?? num(attrs.get("gen_ai.usage.completion_tokens")) ?? details.tokensOut;
        const session = str(attrs.get("gen_ai.conversation.id")) ?? str(attrs.get("session.id")) ?? details.sessionId;
        if (query !== undefined) event.query = query;
        if (response !== undefined) event.response = response;
        if (model) event.model = model.slice(0, 200);
        if (tokensIn !== undefined) event.tokens_in = Math.trunc(tokensIn);
        if (tokensOut !== undefined) event.tokens_out = Math.trunc(tokensOut);
        if (latency !== undefined && latency >= 0) event.latency_ms = latency;
        // The producer's conversation id wins; otherwise the trace groups the steps of one run.
        event.session_id = (session ?? span.traceId).slice(0, 200);
        out.events.push(event);
      });
    });
  });
  return out;
}

import { createRoute, z } from "@hono/zod-openapi";
import { toFieldErrors } from "../domain/event-schema";
import { MAX_OTLP_DEPTH, mapGenAiSpans, otlpAnyValueSchema, otlpKeyValueSchema, otlpTracesSchema } from "../domain/otlp";
import { decodeOtlpLogsProtobuf, decodeOtlpTracesProtobuf, encodeOtlpLogsResponse, encodeOtlpStatus, encodeOtlpTracesResponse } from "../domain/otlp-protobuf";
import { mapGenAiLogRecords, otlpLogsSchema } from "../domain/otlp-logs";
import { joinRecordsMissedByIngest, joinWaitingRecords, storeLogRecords } from "../pipeline/otlp-log-records";
import { parseStrictJson } from "../domain/strict-json";
import { named } from "../openapi/names";
import type { Context, MiddlewareHandler } from "hono";
import { errorResponses, type Examples, requires, type RouteEnv, routeApp } from "../openapi/route-kit";
import { eventResultSchema } from "../openapi/shared";
import { ingestItems } from "../pipeline/ingest";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError, problemError } from "./errors";
import { readBodyWithin } from "./read-body";
import { isProblem } from "../domain/problem";

/*
 * OTLP's AnyValue and KeyValue are recursive (z.lazy, src/domain/otlp.ts): zod-to-openapi
 * follows an unnamed lazy schema into itself until the stack overflows, and refers to a named one.
 */
named(otlpKeyValueSchema, "OtlpKeyValue");
named(otlpAnyValueSchema, "OtlpAnyValue");

const SPAN = {
  traceId: "5b8efff798038103d269b633813fc60c",
  spanId: "eee19b7ec3c1b174",
  name: "chat qwen2.5-coder",
  startTimeUnixNano: "1763892000000000000",
  endTimeUnixNano: "1763892000840000000",
  attributes: [
    { key: "gen_ai.operation.name", value: { stringValue: "chat" } },
    { key: "gen_ai.request.model", value: { stringValue: "qwen2.5-coder" } },
    { key: "gen_ai.usage.input_tokens", value: { intValue: "120" } },
    { key: "gen_ai.prompt", value: { stringValue: "How do I rotate logs?" } },
    { key: "gen_ai.completion", value: { stringValue: "Use logrotate with copytruncate." } },
  ],
  status: { code: 1 },
};

const TRACES_EXAMPLES: Examples<z.input<typeof otlpTracesSchema>> = {
  genai: {
    summary: "one GenAI chat span",
    value: { resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "my-agent" } }] }, scopeSpans: [{ spans: [SPAN] }] }] },
  },
};

const otlpResultSchema = z.strictObject({
  partialSuccess: z
    .strictObject({ rejectedSpans: z.number().int(), errorMessage: z.string() })
    .optional()
    .describe("OTLP's partial-success answer, present when a span was rejected"),
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  skipped_non_genai: z.number().int().describe("spans without gen_ai.* attributes: counted, not stored"),
  results: z.array(eventResultSchema),
});

/** What POST /v1/otlp/v1/traces and its Langfuse alias (src/routes/langfuse.ts) document: one body, one set of answers. */
export const OTLP_TRACES_DESCRIPTION =
  "Spans with gen_ai.* attributes (GenAI semantic conventions) become events with id `<traceId>:<spanId>`, so replays are duplicates; " +
  "other spans are counted and skipped. Each span is read on its own: an unreadable one is rejected, the others are kept. " +
  "JSON (`application/json`) or protobuf (`application/x-protobuf`), either one optionally with `Content-Encoding: gzip`; " +
  "the answer is in the request's encoding (a protobuf request gets a protobuf ExportTraceServiceResponse, with only partial_success).";

export const otlpTracesRequest = {
  // A reference, not zod: documented, but neither read nor validated by the framework (the handler reads the body within its limit).
  body: {
    required: true,
    content: {
      "application/json": { schema: { $ref: "#/components/schemas/OtlpTraces" }, examples: TRACES_EXAMPLES },
      "application/x-protobuf": { schema: { type: "string", format: "binary", description: "ExportTraceServiceRequest (opentelemetry-proto, proto/)" } },
    },
  },
} as const;

export const otlpTracesResponses = {
  200: {
    description: "what became of each span (JSON); for a protobuf request, an ExportTraceServiceResponse",
    content: {
      "application/json": { schema: otlpResultSchema },
      "application/x-protobuf": { schema: { type: "string" as const, format: "binary", description: "ExportTraceServiceResponse with partial_success" } },
    },
  },
  ...errorResponses("project", {
    400:
      "not JSON (`invalid_json`), not strict JSON (`duplicate_key`, `too_deep`, …), not protobuf (`invalid_protobuf`), " +
      "not gzip (`invalid_gzip`), or not an ExportTraceServiceRequest (`invalid_otlp`)",
    413: "the body, sent or decompressed, is over MAX_BODY_BYTES, or holds more than MAX_EVENTS_PER_REQUEST GenAI spans",
    415: "neither application/json nor application/x-protobuf, or a Content-Encoding other than gzip",
  }),
};

const exportTraces = createRoute({
  method: "post",
  path: "/v1/traces",
  tags: ["otlp"],
  summary: "OTLP/HTTP traces, JSON or protobuf encoding",
  description: OTLP_TRACES_DESCRIPTION,
  ...requires("project"),
  request: otlpTracesRequest,
  responses: otlpTracesResponses,
});

export const otlpRoutes = routeApp<ProjectVars>();

// Published for the traces body's $ref (the route itself names no zod schema for it).
otlpRoutes.openAPIRegistry.register("OtlpTraces", otlpTracesSchema);

/**
 * OTLP/HTTP failures in the request's encoding: a protobuf request that fails (auth, limits, a
 * bad body) gets a protobuf google.rpc.Status with the same HTTP status and the error's message,
 * as the OTLP specification asks; a JSON request keeps Gleaner's JSON error.
 */
export const otlpProtobufErrors: MiddlewareHandler = async (c, next) => {
  await next();
  const [mediaType = ""] = (c.req.header("Content-Type") ?? "").split(";");
  if (mediaType.trim().toLowerCase() !== PROTOBUF || c.res.status < 400) return;
  if (!(c.res.headers.get("Content-Type") ?? "").includes("application/json")) return;
  const body = (await c.res
    .clone()
    .json()
    .catch(() => ({}))) as { error?: { code?: string; message?: string } };
  const message = body.error?.message ? `${body.error.code ?? "error"}: ${body.error.message}` : `HTTP ${c.res.status}`;
  const headers = new Headers(c.res.headers);
  headers.set("Content-Type", PROTOBUF);
  headers.delete("Content-Length");
  c.res = new Response(encodeOtlpStatus(c.res.status, message), { status: c.res.status, headers });
};

otlpRoutes.use("*", otlpProtobufErrors);
otlpRoutes.use("*", requireProjectKey);

const PROTOBUF = "application/x-protobuf";

function tooLarge(limit: number): ApiError {
  return new ApiError(413, "payload_too_large", `the body exceeds the limit of ${limit} bytes`, { limit_bytes: limit });
}

/** Reads a stream to its end, refusing it with 413 as soon as it passes `limit` bytes. */
async function readStreamWithin(stream: ReadableStream<Uint8Array>, limit: number, onError: (e: unknown) => never): Promise<Uint8Array<ArrayBuffer>> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch (e) {
      onError(e);
    }
    if (step.done) break;
    received += step.value.byteLength;
    if (received > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(step.value);
  }
  const out = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * The OTLP body as bytes, identity or `Content-Encoding: gzip` (OTLP/HTTP's one compression):
 * within `limit` bytes as sent (Content-Length first, then while streaming) and again once
 * decompressed, so a small gzip bomb is a 413 too. Other encodings stay 415, as on every route.
 */
async function readOtlpBytes(req: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const encoding = (req.headers.get("Content-Encoding") ?? "identity").trim().toLowerCase();
  const gzip = encoding === "gzip" || encoding === "x-gzip";
  if (!gzip && encoding !== "identity" && encoding !== "") {
    throw new ApiError(415, "unsupported_content_encoding", `Content-Encoding ${encoding} is not supported: send the body uncompressed or gzip-compressed`);
  }
  const declared = Number(req.headers.get("Content-Length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array();
  const rethrow = (e: unknown): never => {
    throw e;
  };
  const sent = await readStreamWithin(req.body, limit, rethrow);
  if (!gzip) return sent;
  const inflated = new Blob([sent]).stream().pipeThrough(new DecompressionStream("gzip"));
  return readStreamWithin(inflated, limit, () => {
    throw new ApiError(400, "invalid_gzip", "the body is not valid gzip (Content-Encoding: gzip)");
  });
}

function utf8(bytes: Uint8Array): string {
  try {
    // fatal: invalid UTF-8 is refused, never silently turned into U+FFFD and stored.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_utf8", "the body is not valid UTF-8");
  }
}

type ProtobufDecoder = (bytes: Uint8Array, maxDepth: number) => { ok: true; value: unknown } | { ok: false; code: string; message: string };

/** The request as OTLP/JSON's plain value, from either encoding. */
async function readOtlpRequest(req: Request, type: string, limit: number, decodeProtobuf: ProtobufDecoder): Promise<unknown> {
  const gzipped = (req.headers.get("Content-Encoding") ?? "").trim() !== "";
  if (type === PROTOBUF) {
    const decoded = decodeProtobuf(await readOtlpBytes(req, limit), MAX_OTLP_DEPTH);
    if (!decoded.ok)
      throw new ApiError(400, decoded.code, `body: ${decoded.message}`, { errors: [{ path: "", message: decoded.message, code: decoded.code }] });
    return decoded.value;
  }
  // Uncompressed JSON reads exactly as on the other routes.
  const body = gzipped ? utf8(await readOtlpBytes(req, limit)) : await readBodyWithin(req, limit);
  const parsed = parseStrictJson(body, { maxDepth: MAX_OTLP_DEPTH });
  if (!parsed.ok) {
    const field = parsed.path || "body";
    throw new ApiError(400, parsed.code, `${field}: ${parsed.message}`, {
      errors: [{ path: parsed.path, message: parsed.message, code: parsed.code }],
    });
  }
  return parsed.value;
}

/**
 * OTLP/HTTP traces, JSON or protobuf, optionally gzip-compressed. GenAI spans become events (one
 * per LLM call, id `<traceId>:<spanId>`, hex for both encodings) through the same ingest path as
 * /v1/events; other spans are counted and skipped. Answers OTLP's partial-success shape in the
 * request's encoding: for JSON plus Gleaner's per-span results, for protobuf an
 * ExportTraceServiceResponse. Shared by POST /v1/otlp/v1/traces and its Langfuse alias, so both behave alike.
 */
export async function handleOtlpTraces(c: Context<RouteEnv<ProjectVars>>): Promise<Response> {
  const type = otlpMediaType(c);
  const config = c.get("config");
  const value = await readOtlpRequest(c.req.raw, type, config.MAX_BODY_BYTES, decodeOtlpTracesProtobuf);
  const request = otlpTracesSchema.safeParse(value);
  if (!request.success) throw invalidOtlp(request.error);
  const mapped = mapGenAiSpans(request.data);
  // GenAI log records (semconv 1.28–1.36) that arrived before their span join its event now.
  const joinedCounts = await joinWaitingRecords(c.env, c.get("project"), mapped.events);
  const summary = mapped.events.length
    ? await ingestItems(
        c.env,
        c.get("project"),
        mapped.events.map((value) => ({ value })),
        c.get("requestId"),
        Date.now(),
        { config },
      )
    : { accepted: 0, duplicates: 0, rejected: 0, results: [] };
  if (isProblem(summary)) throw problemError(summary);
  if (summary.accepted > 0) await joinRecordsMissedByIngest(c.env, config, c.get("project"), mapped.events, joinedCounts, c.get("requestId"));
  const rejectedSpans = summary.rejected + mapped.invalid.length;
  const reasons = [
    ...mapped.invalid.map((i) => `${i.path}: ${i.message}`),
    ...summary.results.flatMap((r) =>
      r.status === "rejected" ? [`span ${r.id ?? r.index}: ${r.errors.map((e) => `${e.path} ${e.message}`).join("; ")}`] : [],
    ),
  ];
  const partialSuccess = rejectedSpans > 0 ? { rejectedSpans, errorMessage: reasons.slice(0, 20).join(" | ") } : undefined;
  if (type === PROTOBUF) {
    return c.body(encodeOtlpTracesResponse(partialSuccess), 200, { "Content-Type": PROTOBUF });
  }
  const answer: z.input<typeof otlpResultSchema> = {
    ...(partialSuccess ? { partialSuccess } : {}),
    accepted: summary.accepted,
    duplicates: summary.duplicates,
    rejected: rejectedSpans,
    skipped_non_genai: mapped.skipped,
    results: summary.results,
  };
  return c.json(answer, 200);
}

otlpRoutes.openapi(exportTraces, (c) => handleOtlpTraces(c));

/** The OTLP body's encoding from its Content-Type: JSON or protobuf, else 415. */
function otlpMediaType(c: Context): string {
  const [mediaType = ""] = (c.req.header("Content-Type") ?? "").split(";");
  const type = mediaType.trim().toLowerCase();
  if (type !== "application/json" && type !== PROTOBUF) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      "send OTLP/HTTP as JSON (Content-Type: application/json) or protobuf (Content-Type: application/x-protobuf)",
    );
  }
  return type;
}

function invalidOtlp(error: { issues: readonly z.core.$ZodIssue[] }): ApiError {
  const errors = toFieldErrors(error);
  return new ApiError(400, "invalid_otlp", errors.map((e) => `${e.path || "body"}: ${e.message}`).join("; "), { errors });
}

const LOG_RECORD = {
  timeUnixNano: "1763892000100000000",
  traceId: SPAN.traceId,
  spanId: SPAN.spanId,
  eventName: "gen_ai.user.message",
  attributes: [{ key: "gen_ai.system", value: { stringValue: "openai" } }],
  body: { kvlistValue: { values: [{ key: "content", value: { stringValue: "How do I rotate logs?" } }] } },
};

const LOGS_EXAMPLES: Examples<z.input<typeof otlpLogsSchema>> = {
  genai: {
    summary: "a GenAI user message as a log record (semconv 1.28–1.36)",
    value: {
      resourceLogs: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "my-agent" } }] }, scopeLogs: [{ logRecords: [LOG_RECORD] }] }],
    },
  },
};

const otlpLogsResultSchema = z.strictObject({
  partialSuccess: z
    .strictObject({ rejectedLogRecords: z.number().int(), errorMessage: z.string() })
    .optional()
    .describe("OTLP's partial-success answer, present when a record was rejected"),
  accepted: z.number().int().describe("GenAI message records stored"),
  duplicates: z.number().int().describe("records stored before (a replayed export)"),
  rejected: z.number().int(),
  joined: z.number().int().describe("stored span events whose messages these records completed (they are re-scored)"),
  skipped_non_genai: z.number().int().describe("log records that are not GenAI message events: counted, not stored"),
  errors: z.array(z.strictObject({ path: z.string(), message: z.string() })),
});

const exportLogs = createRoute({
  method: "post",
  path: "/v1/logs",
  tags: ["otlp"],
  summary: "OTLP/HTTP logs (GenAI message events), JSON or protobuf encoding",
  description:
    "Log records named `gen_ai.system.message`, `gen_ai.user.message`, `gen_ai.assistant.message`, `gen_ai.tool.message` or `gen_ai.choice` " +
    "(semantic conventions 1.28–1.36; `eventName`, or the older `event.name` attribute) are joined, by trace and span id, to the event " +
    "`<traceId>:<spanId>` of their LLM call's span, whichever arrives first: records that come first wait for the span; records that come after " +
    "rebuild the stored event's messages and have it re-scored. A span's own messages (1.37 attributes, span events) win over records. " +
    "Other records are counted and skipped; a GenAI record without trace and span id is rejected. Encodings as for traces.",
  ...requires("project"),
  request: {
    body: {
      required: true,
      content: {
        "application/json": { schema: { $ref: "#/components/schemas/OtlpLogs" }, examples: LOGS_EXAMPLES },
        "application/x-protobuf": { schema: { type: "string", format: "binary", description: "ExportLogsServiceRequest (opentelemetry-proto, proto/)" } },
      },
    },
  },
  responses: {
    200: {
      description: "what became of the records (JSON); for a protobuf request, an ExportLogsServiceResponse",
      content: {
        "application/json": { schema: otlpLogsResultSchema },
        "application/x-protobuf": { schema: { type: "string" as const, format: "binary", description: "ExportLogsServiceResponse with partial_success" } },
      },
    },
    ...errorResponses("project", {
      400:
        "not JSON (`invalid_json`), not strict JSON (`duplicate_key`, `too_deep`, …), not protobuf (`invalid_protobuf`), " +
        "not gzip (`invalid_gzip`), or not an ExportLogsServiceRequest (`invalid_otlp`)",
      413: "the body, sent or decompressed, is over MAX_BODY_BYTES, or holds more than MAX_EVENTS_PER_REQUEST GenAI records",
      415: "neither application/json nor application/x-protobuf, or a Content-Encoding other than gzip",
    }),
  },
});

otlpRoutes.openAPIRegistry.register("OtlpLogs", otlpLogsSchema);

otlpRoutes.openapi(exportLogs, async (c) => {
  const type = otlpMediaType(c);
  const config = c.get("config");
  const value = await readOtlpRequest(c.req.raw, type, config.MAX_BODY_BYTES, decodeOtlpLogsProtobuf);
  const request = otlpLogsSchema.safeParse(value);
  if (!request.success) throw invalidOtlp(request.error);
  const mapped = mapGenAiLogRecords(request.data);
  if (mapped.records.length > config.MAX_EVENTS_PER_REQUEST) {
    throw new ApiError(
      413,
      "too_many_events",
      `the request holds ${mapped.records.length} GenAI records; the limit is ${config.MAX_EVENTS_PER_REQUEST} per request`,
    );
  }
  const summary = await storeLogRecords(c.env, config, c.get("project"), mapped, c.get("requestId"));
  const rejected = summary.rejected.length;
  const partialSuccess =
    rejected > 0
      ? {
          rejectedLogRecords: rejected,
          errorMessage: summary.rejected
            .slice(0, 20)
            .map((r) => `${r.path}: ${r.message}`)
            .join(" | "),
        }
      : undefined;
  if (type === PROTOBUF) return c.body(encodeOtlpLogsResponse(partialSuccess), 200, { "Content-Type": PROTOBUF });
  const answer: z.input<typeof otlpLogsResultSchema> = {
    ...(partialSuccess ? { partialSuccess } : {}),
    accepted: summary.accepted,
    duplicates: summary.duplicates,
    rejected,
    joined: summary.joined,
    skipped_non_genai: mapped.skipped,
    errors: summary.rejected.slice(0, 100),
  };
  return c.json(answer, 200);
});

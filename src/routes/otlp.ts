import { createRoute, z } from "@hono/zod-openapi";
import { toFieldErrors } from "../domain/event-schema";
import { MAX_OTLP_DEPTH, mapGenAiSpans, otlpAnyValueSchema, otlpKeyValueSchema, otlpTracesSchema } from "../domain/otlp";
import { parseStrictJson } from "../domain/strict-json";
import { named } from "../openapi/names";
import { errorResponses, type Examples, json, requires, routeApp } from "../openapi/route-kit";
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

const exportTraces = createRoute({
  method: "post",
  path: "/v1/traces",
  tags: ["otlp"],
  summary: "OTLP/HTTP traces, JSON encoding",
  description:
    "Spans with gen_ai.* attributes (GenAI semantic conventions) become events with id `<traceId>:<spanId>`, so replays are duplicates; " +
    "other spans are counted and skipped. Each span is read on its own: an unreadable one is rejected, the others are kept. Protobuf is refused (415).",
  ...requires("project"),
  request: {
    // A reference, not zod: documented, but neither read nor validated by the framework (the handler reads the body within its limit).
    body: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/OtlpTraces" }, examples: TRACES_EXAMPLES } } },
  },
  responses: {
    200: json("what became of each span", otlpResultSchema),
    ...errorResponses("project", {
      400: "not JSON (`invalid_json`), not strict JSON (`duplicate_key`, `too_deep`, …), or not an ExportTraceServiceRequest (`invalid_otlp`)",
      413: "the body is over MAX_BODY_BYTES, or holds more than MAX_EVENTS_PER_REQUEST GenAI spans",
      415: "not application/json (protobuf is not supported)",
    }),
  },
});

export const otlpRoutes = routeApp<ProjectVars>();

// Published for the traces body's $ref (the route itself names no zod schema for it).
otlpRoutes.openAPIRegistry.register("OtlpTraces", otlpTracesSchema);

otlpRoutes.use("*", requireProjectKey);

/**
 * OTLP/HTTP traces, JSON encoding. GenAI spans become events (one per LLM
 * call, id `<traceId>:<spanId>`) through the same ingest path as /v1/events;
 * other spans are counted and skipped. Answers OTLP's partial-success shape,
 * plus Gleaner's per-span results.
 */
otlpRoutes.openapi(exportTraces, async (c) => {
  const [mediaType = ""] = (c.req.header("Content-Type") ?? "").split(";");
  const type = mediaType.trim().toLowerCase();
  if (type !== "application/json") {
    throw new ApiError(415, "unsupported_media_type", "send OTLP/HTTP with the JSON encoding (Content-Type: application/json); protobuf is not supported");
  }
  const config = c.get("config");
  const body = await readBodyWithin(c.req.raw, config.MAX_BODY_BYTES);
  const parsed = parseStrictJson(body, { maxDepth: MAX_OTLP_DEPTH });
  if (!parsed.ok) {
    const field = parsed.path || "body";
    throw new ApiError(400, parsed.code, `${field}: ${parsed.message}`, {
      errors: [{ path: parsed.path, message: parsed.message, code: parsed.code }],
    });
  }
  const request = otlpTracesSchema.safeParse(parsed.value);
  if (!request.success) {
    const errors = toFieldErrors(request.error);
    throw new ApiError(400, "invalid_otlp", errors.map((e) => `${e.path || "body"}: ${e.message}`).join("; "), { errors });
  }
  const mapped = mapGenAiSpans(request.data);
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
  const rejectedSpans = summary.rejected + mapped.invalid.length;
  const reasons = [
    ...mapped.invalid.map((i) => `${i.path}: ${i.message}`),
    ...summary.results.flatMap((r) =>
      r.status === "rejected" ? [`span ${r.id ?? r.index}: ${r.errors.map((e) => `${e.path} ${e.message}`).join("; ")}`] : [],
    ),
  ];
  return c.json(
    {
      ...(rejectedSpans > 0 ? { partialSuccess: { rejectedSpans, errorMessage: reasons.slice(0, 20).join(" | ") } } : {}),
      accepted: summary.accepted,
      duplicates: summary.duplicates,
      rejected: rejectedSpans,
      skipped_non_genai: mapped.skipped,
      results: summary.results,
    },
    200,
  );
});

import { z } from "zod";
import { otlpTracesSchema } from "../../domain/otlp";
import { PROXY_REQUEST_SCHEMAS } from "../../domain/proxy-requests";
import { PROXIED_OPERATIONS } from "../../domain/proxy-upstreams";
import { named } from "../names";
import type { Operation } from "../operation";
import { eventResultSchema } from "../shared";

named(otlpTracesSchema, "OtlpTraces");
named(PROXY_REQUEST_SCHEMAS["chat/completions"], "ProxyChatCompletionsRequest");
named(PROXY_REQUEST_SCHEMAS.completions, "ProxyCompletionsRequest");
named(PROXY_REQUEST_SCHEMAS.embeddings, "ProxyEmbeddingsRequest");

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

const PROXY_EXAMPLES: Record<(typeof PROXIED_OPERATIONS)[number], unknown> = {
  "chat/completions": { model: "qwen2.5-coder", messages: [{ role: "user", content: "How do I rotate logs?" }] },
  completions: { model: "qwen2.5-coder", prompt: "Rotating logs safely means" },
  embeddings: { model: "nomic-embed-text", input: "How do I rotate logs?" },
};

/** One documented path per proxied operation: the operation is two segments for chat, which a path parameter cannot hold. */
const proxyOperations: Operation[] = PROXIED_OPERATIONS.map((op) => ({
  method: "post",
  path: `/v1/proxy/{upstream}/${op}`,
  tag: "proxy",
  summary: `Forward ${op} to an upstream and record it`,
  description:
    "Validates the body (the fields Gleaner reads must have their OpenAI types; other fields are kept) before anything is called, then " +
    "forwards the validated request to the upstream named in PROXY_UPSTREAMS (its key, if any, comes from a secret, never from the client), " +
    "streams the answer through (SSE too), and records the call as one event after the answer, off the caller's path, through ingest " +
    "(which redacts it). Gleaner chooses the event's id (`proxy:<uuid>`); a client X-Request-Id is kept as `attributes.client_request_id`. " +
    "Upstream error answers (4xx) are relayed with the upstream's key scrubbed (plain or encoded) and the redaction rules applied. Redirects are refused.",
  auth: "project",
  params: z.object({ upstream: z.string().min(1).describe("a name in PROXY_UPSTREAMS") }),
  body: [{ schema: PROXY_REQUEST_SCHEMAS[op], examples: { request: { summary: op, value: PROXY_EXAMPLES[op] } } }],
  responses: {
    200: {
      description:
        "the upstream's answer as it sent it (JSON, or text/event-stream when streaming); upstream answers 400-499 pass through too, scrubbed of its key and secrets",
      headers: {
        "Gleaner-Event-Id": "the id of the event recorded for this call (`proxy:<uuid>`), sent before the first byte; absent when proxy_logging is off",
        "X-Gleaner-Event-Id": "the same id, under its earlier name",
      },
    },
  },
  errors: {
    400:
      "the body is not JSON (`invalid_json`), is not strict JSON (`duplicate_key`, `invalid_unicode`, `reserved_key`, `too_deep`), fails the " +
      "operation's schema (`validation_failed`, `details.errors` names each field), or the path holds '..' or encoded separators (`invalid_path`); the upstream is not called",
    404: "an upstream not in PROXY_UPSTREAMS (`unknown_upstream`), or another operation (`not_proxied`)",
    413: "the body is over MAX_BODY_BYTES",
    502: "the upstream failed, answered 5xx, or redirected (`upstream_failed`, `upstream_redirect`)",
    503:
      "the upstream's breaker is open or it timed out (`upstream_unavailable`, retry after Retry-After), or PROXY_UPSTREAMS is wrong or names an unset " +
      "or reserved key secret (`proxy_misconfigured`, naming the entry); nothing was called",
  },
}));

export const otlpProxyOperations: Operation[] = [
  {
    method: "post",
    path: "/v1/otlp/v1/traces",
    tag: "otlp",
    summary: "OTLP/HTTP traces, JSON encoding",
    description:
      "Spans with gen_ai.* attributes (GenAI semantic conventions) become events with id `<traceId>:<spanId>`, so replays are duplicates; " +
      "other spans are counted and skipped. Each span is read on its own: an unreadable one is rejected, the others are kept. Protobuf is refused (415).",
    auth: "project",
    body: [
      {
        schema: otlpTracesSchema,
        examples: {
          genai: {
            summary: "one GenAI chat span",
            value: {
              resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "my-agent" } }] }, scopeSpans: [{ spans: [SPAN] }] }],
            },
          },
        },
      },
    ],
    responses: { 200: { description: "what became of each span", schema: otlpResultSchema } },
    errors: {
      400: "not JSON (`invalid_json`) or not an ExportTraceServiceRequest (`invalid_otlp`)",
      413: "the body is over MAX_BODY_BYTES",
      415: "not application/json (protobuf is not supported)",
    },
  },
  ...proxyOperations,
];

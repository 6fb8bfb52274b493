import { createRoute, z } from "@hono/zod-openapi";
import { PROXY_REQUEST_SCHEMAS, validateProxyRequest } from "../domain/proxy-requests";
import { PROXIED_OPERATIONS, type ProxiedOperation } from "../domain/proxy-upstreams";
import { parseStrictJson } from "../domain/strict-json";
import { errorResponses, type Examples, requires, routeApp } from "../openapi/route-kit";
import { EVENT_ID_HEADER, LEGACY_EVENT_ID_HEADER, proxyCall, proxyModels, resolveUpstream, type ProxyProblem } from "../pipeline/proxy-call";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError } from "./errors";
import { readBodyWithin } from "./read-body";

/** The component each operation's request body is published as. */
const REQUEST_NAMES = {
  "chat/completions": "ProxyChatCompletionsRequest",
  completions: "ProxyCompletionsRequest",
  embeddings: "ProxyEmbeddingsRequest",
} as const satisfies Record<ProxiedOperation, string>;

const EXAMPLES: { [Op in ProxiedOperation]: Examples<z.input<(typeof PROXY_REQUEST_SCHEMAS)[Op]>> } = {
  "chat/completions": {
    request: { summary: "chat/completions", value: { model: "qwen2.5-coder", messages: [{ role: "user", content: "How do I rotate logs?" }] } },
  },
  completions: { request: { summary: "completions", value: { model: "qwen2.5-coder", prompt: "Rotating logs safely means" } } },
  embeddings: { request: { summary: "embeddings", value: { model: "nomic-embed-text", input: "How do I rotate logs?" } } },
};

const upstreamParam = z.object({ upstream: z.string().min(1).describe("a name in PROXY_UPSTREAMS") });

/**
 * The route of one proxied operation. Each is declared on its own because
 * `chat/completions` is two segments, which a path parameter cannot hold.
 */
function forwardRoute<Op extends ProxiedOperation>(op: Op) {
  return createRoute({
    method: "post",
    path: `/{upstream}/${op}` as const,
    tags: ["proxy"],
    summary: `Forward ${op} to an upstream and record it`,
    description:
      "Validates the body (the fields Gleaner reads must have their OpenAI types; other fields are kept) before anything is called, then " +
      "forwards the validated request to the upstream named in PROXY_UPSTREAMS (its key, if any, comes from a secret, never from the client), " +
      "streams the answer through (SSE too), and records the call as one event after the answer, off the caller's path, through ingest " +
      "(which redacts it). Gleaner chooses the event's id (`proxy:<uuid>`); a client X-Request-Id is kept as `attributes.client_request_id`. " +
      "Upstream error answers (4xx) are relayed with the upstream's key scrubbed (plain or encoded) and the redaction rules applied. Redirects are refused.",
    ...requires("project"),
    request: {
      params: upstreamParam,
      // A reference, not zod: documented, but neither read nor validated by the framework (the handler reads the body within its limit).
      body: { required: true, content: { "application/json": { schema: { $ref: `#/components/schemas/${REQUEST_NAMES[op]}` }, examples: EXAMPLES[op] } } },
    },
    responses: {
      // The upstream's own answer, relayed: no schema of Gleaner's.
      200: {
        description:
          "the upstream's answer as it sent it (JSON, or text/event-stream when streaming); upstream answers 400-499 pass through too, scrubbed of its key and secrets",
        headers: {
          [EVENT_ID_HEADER]: {
            description: "the id of the event recorded for this call (`proxy:<uuid>`), sent before the first byte; absent when proxy_logging is off",
            schema: { type: "string" },
          },
          [LEGACY_EVENT_ID_HEADER]: { description: "the same id, under its earlier name", schema: { type: "string" } },
        },
      },
      ...errorResponses("project", {
        400:
          "the body is not JSON (`invalid_json`), is not strict JSON (`duplicate_key`, `invalid_unicode`, `reserved_key`, `too_deep`), fails the " +
          "operation's schema (`validation_failed`, `details.errors` names each field), or the path holds '..' or encoded separators (`invalid_path`); the upstream is not called",
        404: "an upstream not in PROXY_UPSTREAMS (`unknown_upstream`), or another operation (`not_proxied`)",
        413: "the body is over MAX_BODY_BYTES",
        502: "the upstream failed, answered 5xx, or redirected (`upstream_failed`, `upstream_redirect`)",
        503:
          "the upstream's breaker is open or it timed out (`upstream_unavailable`, retry after Retry-After), or PROXY_UPSTREAMS is wrong or names an unset " +
          "or reserved key secret (`proxy_misconfigured`, naming the entry); nothing was called",
      }),
    },
  });
}

/** The upstream's model list, passed through: OpenAI clients list the models before they call one. */
const listModels = createRoute({
  method: "get",
  path: "/{upstream}/models",
  tags: ["proxy"],
  summary: "List an upstream's models (passed through, not recorded)",
  description:
    "Calls the upstream's `GET /models` (with its key from a secret, never the client's) and relays its answer. Nothing is recorded. " +
    "Upstream failures are answered as for the proxied operations: 4xx answers are relayed scrubbed of the upstream's key and secrets, " +
    "5xx, failed calls and redirects are 502, an open breaker or a timeout 503.",
  ...requires("project"),
  request: { params: upstreamParam },
  responses: {
    // The upstream's own answer, relayed: no schema of Gleaner's.
    200: {
      description:
        'the upstream\'s answer as it sent it (OpenAI\'s `{ object: "list", data: [{ id, object: "model", … }] }`); upstream answers 400-499 pass through too, scrubbed',
    },
    ...errorResponses("project", {
      400: "the path holds '..' or encoded separators (`invalid_path`); the upstream is not called",
      404: "an upstream not in PROXY_UPSTREAMS (`unknown_upstream`)",
      502: "the upstream failed, answered 5xx, or redirected (`upstream_failed`, `upstream_redirect`)",
      503:
        "the upstream's breaker is open or it timed out (`upstream_unavailable`, retry after Retry-After), or PROXY_UPSTREAMS is wrong or names an unset " +
        "or reserved key secret (`proxy_misconfigured`); nothing was called",
    }),
  },
});

/**
 * An OpenAI-compatible logging proxy: `POST /v1/proxy/{upstream}/{chat/completions|completions|embeddings}`
 * validates the body, forwards it to an allowlisted upstream (PROXY_UPSTREAMS)
 * and records one event per call (src/pipeline/proxy-call.ts); `GET /v1/proxy/{upstream}/models`
 * passes the upstream's model list through, unrecorded.
 */
export const proxyRoutes = routeApp<ProjectVars>();

// Published for the request bodies' $refs (the routes themselves name no zod schema for them).
for (const op of PROXIED_OPERATIONS) proxyRoutes.openAPIRegistry.register(REQUEST_NAMES[op], PROXY_REQUEST_SCHEMAS[op]);

proxyRoutes.use("*", async (c, next) => {
  // The runtime resolves plain `..` segments before routing; encoded ones must never reach an upstream.
  if (/%2e|%2f|%5c|\.\./i.test(new URL(c.req.url).pathname)) {
    throw new ApiError(400, "invalid_path", "the proxy path may not contain '..' or encoded separators");
  }
  await next();
});
proxyRoutes.use("*", requireProjectKey);

const refuse = (p: ProxyProblem) => new ApiError(p.status, p.code, p.message, p.details ?? null, p.headers);

for (const op of PROXIED_OPERATIONS) {
  proxyRoutes.openapi(forwardRoute(op), async (c) => {
    const target = resolveUpstream(c.env, c.req.valid("param").upstream);
    if ("code" in target) throw refuse(target);

    const raw = await readBodyWithin(c.req.raw, c.get("config").MAX_BODY_BYTES);
    const json = parseStrictJson(raw);
    if (!json.ok) {
      throw new ApiError(400, json.code, `${json.path || "body"}: ${json.message}`, { errors: [{ path: json.path, message: json.message, code: json.code }] });
    }
    const valid = validateProxyRequest(op, json.value);
    if (!valid.ok) {
      throw new ApiError(400, "validation_failed", valid.errors.map((e) => `${e.path || "body"}: ${e.message}`).join("; "), { errors: valid.errors });
    }

    const requestId = c.get("requestId");
    const given = c.req.header("X-Request-Id");
    const accept = c.req.header("Accept");
    const answer = await proxyCall(c.env, c.get("config"), (work) => c.executionCtx.waitUntil(work), {
      ...target,
      request: valid.request,
      project: c.get("project"),
      requestId,
      // The request-context middleware keeps a sane client id as the request id; anything else is dropped.
      ...(given === requestId ? { clientRequestId: given } : {}),
      ...(accept ? { accept } : {}),
    });
    if (answer instanceof Response) return answer;
    throw refuse(answer);
  });
}

proxyRoutes.openapi(listModels, async (c) => {
  const target = resolveUpstream(c.env, c.req.valid("param").upstream);
  if ("code" in target) throw refuse(target);
  const answer = await proxyModels(c.env, c.get("config"), target);
  if (answer instanceof Response) return answer;
  throw refuse(answer);
});

// Any other operation, under any upstream: refused by name. Documented with the three above (the same path, another `op`).
proxyRoutes.post("/:upstream/:op{.+}", () => {
  throw new ApiError(404, "not_proxied", `only ${PROXIED_OPERATIONS.join(", ")} are proxied`, { operations: PROXIED_OPERATIONS });
});

import { Hono } from "hono";
import { DependencyUnavailableError, callWithBreaker } from "../adapters/breaker";
import { joinUrl } from "../adapters/join-url";
import { readConfig } from "../config";
import { isFlagOn } from "../flags";
import { PROXIED_OPERATIONS, parseUpstreams, requestText, responseFacts, SseCollector, type ProxiedOperation } from "../domain/proxy-upstreams";
import type { Env } from "../env";
import { recordEventLater } from "../pipeline/record-event-later";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError } from "./errors";
import { readBodyWithin } from "./read-body";

/**
 * An OpenAI-compatible logging proxy: `POST /v1/proxy/{upstream}/{chat/completions|completions|embeddings}`
 * forwards to an allowlisted upstream (PROXY_UPSTREAMS) with a timeout and a
 * breaker, streams answers through as they come, and records one event per
 * call after the answer, off the caller's path.
 */
export const proxyRoutes = new Hono<{ Bindings: Env; Variables: ProjectVars }>();

proxyRoutes.use("*", async (c, next) => {
  // The runtime resolves plain `..` segments before routing; encoded ones must never reach an upstream.
  if (/%2e|%2f|%5c|\.\./i.test(new URL(c.req.url).pathname)) {
    throw new ApiError(400, "invalid_path", "the proxy path may not contain '..' or encoded separators");
  }
  await next();
});
proxyRoutes.use("*", requireProjectKey);

proxyRoutes.post("/:upstream/:op{.+}", async (c) => {
  const op = c.req.param("op") as ProxiedOperation;
  if (!PROXIED_OPERATIONS.includes(op)) {
    throw new ApiError(404, "not_proxied", `only ${PROXIED_OPERATIONS.join(", ")} are proxied`, { operations: PROXIED_OPERATIONS });
  }
  const upstreams = parseUpstreams(c.env.PROXY_UPSTREAMS);
  const upstream = upstreams.get(c.req.param("upstream"));
  if (!upstream) {
    throw new ApiError(404, "unknown_upstream", `no upstream named '${c.req.param("upstream")}' in PROXY_UPSTREAMS`, { upstreams: [...upstreams.keys()] });
  }
  const config = readConfig(c.env);
  const raw = await readBodyWithin(c.req.raw, config.MAX_BODY_BYTES);
  let request: Record<string, unknown>;
  try {
    request = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new ApiError(400, "invalid_json", "the body must be an OpenAI-style JSON request");
  }
  const apiKey = upstream.keySecret ? (c.env as unknown as Record<string, unknown>)[upstream.keySecret] : undefined;
  const started = Date.now();
  let res: Response;
  try {
    res = await callWithBreaker(
      c.env.DB,
      `proxy_${upstream.name}`,
      { timeoutMs: config.OUTBOUND_TIMEOUT_MS, failuresToOpen: config.BREAKER_FAILURES, halfOpenAfterMs: config.BREAKER_HALF_OPEN_SECONDS * 1000, keepSignalAfterReturn: true },
      async (signal) => {
        const answer = await fetch(joinUrl(upstream.baseUrl, op), {
          method: "POST",
          signal,
          redirect: "manual",
          headers: {
            "Content-Type": "application/json",
            Accept: c.req.header("Accept") ?? "application/json",
            ...(typeof apiKey === "string" && apiKey ? { Authorization: `Bearer ${apiKey}` } : {}),
          },
          body: raw,
        });
        if (answer.status >= 500) throw new Error(`upstream answered HTTP ${answer.status}`);
        return answer;
      },
    );
  } catch (err) {
    if (err instanceof DependencyUnavailableError) throw new ApiError(503, "upstream_unavailable", err.message, null, { "Retry-After": "30" });
    throw new ApiError(502, "upstream_failed", err instanceof Error ? err.message : "upstream failed");
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new ApiError(502, "upstream_redirect", `the upstream redirected to ${res.headers.get("Location") ?? "elsewhere"}; redirects are not followed`);
  }

  const project = c.get("project");
  const requestId = c.get("requestId");
  const baseEvent = {
    id: `proxy:${requestId}`,
    type: `proxy.${op.replace("/", ".")}`,
    source: `proxy:${upstream.name}`,
    timestamp: new Date(started).toISOString(),
    outcome: res.ok ? "success" : "failure",
    ...(requestText(op, request) !== undefined ? { query: requestText(op, request) } : {}),
    attributes: { upstream: upstream.name, operation: op, status: res.status, stream: request.stream === true },
  };
  const logging = isFlagOn("proxy_logging", c.env.FLAGS, project);
  const record = async (facts: { text?: string | undefined; model?: string | undefined; tokensIn?: number | undefined; tokensOut?: number | undefined }) => {
    if (!logging) return;
    await recordEventLater(
      c.env,
      project,
      {
        ...baseEvent,
        latency_ms: Date.now() - started,
        ...(facts.text ? { response: facts.text } : {}),
        ...((facts.model ?? request.model) ? { model: String(facts.model ?? request.model).slice(0, 200) } : {}),
        ...(facts.tokensIn !== undefined ? { tokens_in: facts.tokensIn } : {}),
        ...(facts.tokensOut !== undefined ? { tokens_out: facts.tokensOut } : {}),
      },
      requestId,
    );
  };
  const headers = new Headers({ "Content-Type": res.headers.get("Content-Type") ?? "application/json", "X-Gleaner-Event-Id": baseEvent.id });

  if ((res.headers.get("Content-Type") ?? "").includes("text/event-stream") && res.body) {
    const collector = new SseCollector();
    const decoder = new TextDecoder();
    const passThrough = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        collector.push(decoder.decode(chunk, { stream: true }));
      },
      flush() {
        c.executionCtx.waitUntil(record({ text: collector.text, model: collector.model, tokensIn: collector.tokensIn, tokensOut: collector.tokensOut }));
      },
    });
    headers.set("Cache-Control", "no-cache");
    return new Response(res.body.pipeThrough(passThrough), { status: res.status, headers });
  }
  const text = await res.text();
  let facts = {};
  try {
    facts = responseFacts(op, JSON.parse(text) as Record<string, unknown>);
  } catch {
    // Not JSON: passed through as is, logged without a response.
  }
  c.executionCtx.waitUntil(record(facts));
  return new Response(text, { status: res.status, headers });
});

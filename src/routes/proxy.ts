import { Hono } from "hono";
import { readConfig } from "../config";
import { validateProxyRequest } from "../domain/proxy-requests";
import { PROXIED_OPERATIONS, type ProxiedOperation } from "../domain/proxy-upstreams";
import { parseStrictJson } from "../domain/strict-json";
import type { Env } from "../env";
import { proxyCall, resolveUpstream, type ProxyProblem } from "../pipeline/proxy-call";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError } from "./errors";
import { readBodyWithin } from "./read-body";

/**
 * An OpenAI-compatible logging proxy: `POST /v1/proxy/{upstream}/{chat/completions|completions|embeddings}`
 * validates the body, forwards it to an allowlisted upstream (PROXY_UPSTREAMS)
 * and records one event per call (src/pipeline/proxy-call.ts).
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

const isProxied = (op: string): op is ProxiedOperation => (PROXIED_OPERATIONS as readonly string[]).includes(op);
const refuse = (p: ProxyProblem) => new ApiError(p.status, p.code, p.message, p.details ?? null, p.headers);

proxyRoutes.post("/:upstream/:op{.+}", async (c) => {
  const op = c.req.param("op");
  if (!isProxied(op)) {
    throw new ApiError(404, "not_proxied", `only ${PROXIED_OPERATIONS.join(", ")} are proxied`, { operations: PROXIED_OPERATIONS });
  }
  const target = resolveUpstream(c.env, c.req.param("upstream"));
  if ("code" in target) throw refuse(target);

  const raw = await readBodyWithin(c.req.raw, readConfig(c.env).MAX_BODY_BYTES);
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
  const answer = await proxyCall(c.env, (work) => c.executionCtx.waitUntil(work), {
    ...target,
    request: valid.request,
    project: c.get("project"),
    requestId,
    // The request-context middleware keeps a sane client id as the request id; anything else is dropped.
    ...(given === requestId ? { clientRequestId: given } : {}),
    ...(c.req.header("Accept") ? { accept: c.req.header("Accept")! } : {}),
  });
  if (answer instanceof Response) return answer;
  throw refuse(answer);
});

import { INFO_LOG_EVERY_MS, sampledLine } from "../adapters/log-sampler";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { log } from "../adapters/log";

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What a log line says for a request no endpoint matched (a 404, or a middleware refusing an unknown path). */
export const NO_ROUTE = "(no route)";

/**
 * The route template a request matched (`/v1/events/:id`), for logs: the raw
 * path can carry what a caller put in it (an event id holding a token), the
 * template only what the code declares. The endpoint that answered when it
 * was one, else the last endpoint matched (a middleware such as auth may
 * answer before it), else {@link NO_ROUTE}. Middleware (`use`, method ALL)
 * never names a request.
 */
export function routeTemplate(c: Context): string {
  const routes = matchedRoutes(c);
  const answered = routes[c.req.routeIndex];
  if (answered && answered.method !== "ALL") return answered.path;
  return routes.findLast((r) => r.method !== "ALL")?.path ?? NO_ROUTE;
}

/** A successful request is logged at most this often per route (the sampler is src/adapters/log-sampler.ts)… */
export { INFO_LOG_EVERY_MS };
/** …unless it took at least this long. */
export const SLOW_REQUEST_MS = 1000;

/**
 * Whether a successful, quick request gets its line (see sampledLine): a line per request was 7 % of the worker's
 * time under ingest load (bench/results/2026-12-01-ingest-bare-d1.md). Exported for tests.
 */
export const sampledRequestLine = sampledLine;

/**
 * Gives every request an id (the caller's X-Request-Id when sane, else a new
 * one), returns it in X-Request-Id, and logs a JSON line with it and its route
 * template (never the raw path or query): for every answer of 400 or more and
 * every slow one; successful requests are sampled (see sampledRequestLine). Queue
 * messages carry the id on, so consumer log lines carry it too.
 */
export const requestContext = createMiddleware(async (c, next) => {
  const given = c.req.header("X-Request-Id");
  const requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
  c.set("requestId", requestId);
  const started = Date.now();
  await next();
  c.header("X-Request-Id", requestId);
  const status = c.res.status;
  const finished = Date.now();
  const duration = finished - started;
  const path = routeTemplate(c);
  let unlogged = 0;
  if (status < 400 && duration < SLOW_REQUEST_MS) {
    const verdict = sampledRequestLine(`${c.req.method} ${path}`, finished);
    if (!verdict.log) return;
    unlogged = verdict.unlogged;
  }
  log(status >= 500 ? "error" : "info", "request", {
    request_id: requestId,
    method: c.req.method,
    path,
    status,
    duration_ms: duration,
    ...(unlogged > 0 ? { unlogged } : {}),
  });
});

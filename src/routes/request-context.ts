import { createMiddleware } from "hono/factory";
import { log } from "../adapters/log";

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when sane, else a new
 * one), returns it in X-Request-Id, and logs one JSON line per request with it.
 * Queue messages carry it on, so consumer log lines carry it too.
 */
export const requestContext = createMiddleware(async (c, next) => {
  const given = c.req.header("X-Request-Id");
  const requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
  c.set("requestId", requestId);
  const started = Date.now();
  await next();
  c.header("X-Request-Id", requestId);
  const status = c.res.status;
  log(status >= 500 ? "error" : "info", "request", {
    request_id: requestId,
    method: c.req.method,
    path: c.req.path,
    status,
    duration_ms: Date.now() - started,
  });
});

import { createMiddleware } from "hono/factory";
import { parseStrictJson } from "../domain/strict-json";
import { ApiError } from "./errors";
import { readBodyWithin } from "./read-body";

/** Routes that read their bodies themselves, with their own limits and per-event answers. */
const OWN_READERS = [/^\/v1\/events\/?$/, /^\/v1\/otlp\//, /^\/api\/public\/otel\//, /^\/v1\/proxy\//];

/**
 * Every other body is read here once, before any handler or validator runs:
 * over MAX_CONTROL_BODY_BYTES is 413 before parsing (by Content-Length, or
 * while streaming), invalid UTF-8, invalid JSON, a duplicate or `__proto__`
 * key, a lone surrogate or nesting deeper than 32 levels is 400 naming the
 * field. The checked text is left in hono's body cache, so the route's JSON validator
 * validates exactly what was checked.
 */
export const strictJsonBodies = createMiddleware(async (c, next) => {
  const method = c.req.method;
  if (method === "GET" || method === "HEAD" || method === "OPTIONS" || OWN_READERS.some((r) => r.test(c.req.path))) return next();
  const text = await readBodyWithin(c.req.raw, c.get("config").MAX_CONTROL_BODY_BYTES);
  if (text.trim() !== "") {
    const parsed = parseStrictJson(text);
    if (!parsed.ok) {
      const field = parsed.path || "body";
      throw new ApiError(400, parsed.code, `${field}: ${parsed.message}`, { errors: [{ path: parsed.path, message: parsed.message, code: parsed.code }] });
    }
  }
  // hono caches body promises under the reader name; its type declares the resolved value.
  (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
  return next();
});

import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { BufferedCounter } from "../adapters/buffered-counter";
import { InFlightLimiter } from "../adapters/concurrency";
import { log } from "../adapters/log";
import type { Env } from "../env";
import type { ProjectVars } from "./auth";
import { ApiError } from "./errors";

/** What a request is charged to: each class has its own budget per key. */
export type RouteClass = "ingest" | "search" | "read" | "admin";

/**
 * The Workers Rate Limiting binding ([[ratelimits]] in wrangler.toml) of each
 * class; the limits themselves live there. A deploy without a binding (one
 * made before they existed) leaves that class unlimited.
 */
export const RATE_LIMIT_BINDINGS = {
  ingest: "INGEST_RATE_LIMITER",
  search: "SEARCH_RATE_LIMITER",
  read: "READ_RATE_LIMITER",
  admin: "ADMIN_RATE_LIMITER",
} as const satisfies Record<RouteClass, keyof Env>;

/**
 * Retry-After of a rate-limited answer. The binding does not say when its
 * window ends; Cloudflare allows a period of 10 or 60 s (wrangler.toml uses
 * 60), so after 60 s the window has rolled over whichever it is.
 */
export const RATE_LIMIT_RETRY_AFTER_SECONDS = 60;

/**
 * Pattern searches in flight in one isolate: per project, and for all projects
 * together. A search embeds the query and scans vectors on the isolate's own
 * thread (the embedded store), so these keep a burst of searches, one
 * project's or many, from queueing ingest behind them in that isolate.
 */
export const SEARCH_IN_FLIGHT = { perKey: 4, total: 16 };

/** Retry-After of a search refused for concurrency: slots free up within a search's time. */
export const CONCURRENCY_RETRY_AFTER_SECONDS = 1;

const INGEST_PATHS = /^\/v1\/(events|feedback|otlp\/.+|proxy\/.+)$|^\/api\/public\/otel\/.+$/;

/** The class of a project-key request: POSTs that store telemetry are ingest; pattern search is search; the rest is read. */
export function routeClassOf(method: string, path: string): Exclude<RouteClass, "admin"> {
  const p = path.length > 1 ? path.replace(/\/+$/, "") : path;
  if (p === "/v1/patterns/search") return "search";
  if (method === "POST" && INGEST_PATHS.test(p)) return "ingest";
  return "read";
}

/** Refusals, as `learning_rate_limited_total{class, reason}`. */
const refusals = new BufferedCounter("rate_limited_total", 1000);

function refuse<E extends { Bindings: Env }>(
  c: Context<E>,
  routeClass: RouteClass,
  reason: "rate" | "concurrency",
  message: string,
  details: Record<string, unknown>,
  retryAfterSeconds: number,
): ApiError {
  refusals.add(c.env.DB, `class="${routeClass}",reason="${reason}"`, c.executionCtx);
  return new ApiError(
    429,
    "rate_limited",
    message,
    { class: routeClass, reason, ...details, retry_after_seconds: retryAfterSeconds },
    { "Retry-After": String(retryAfterSeconds) },
  );
}

/**
 * Charges one request to `key`'s budget for `routeClass`, or throws 429
 * `rate_limited` (never `backpressure`: that one is about the pipeline, this
 * one about the caller). Called once the caller is authenticated, so nobody
 * spends another key's budget. Should the binding itself fail, the request
 * goes through: a limiter outage must not become an API outage.
 */
export async function chargeRateLimit<E extends { Bindings: Env }>(c: Context<E>, routeClass: RouteClass, key: string): Promise<void> {
  const binding = c.env[RATE_LIMIT_BINDINGS[routeClass]];
  if (!binding) return;
  let success: boolean;
  try {
    ({ success } = await binding.limit({ key: `${routeClass}:${key}` }));
  } catch (err) {
    log("warn", "rate limiter failed; request let through", { request_id: c.get("requestId"), class: routeClass, error: err });
    return;
  }
  if (success) return;
  throw refuse(
    c,
    routeClass,
    "rate",
    `too many ${routeClass} requests with this ${routeClass === "admin" ? "token" : "key"}: retry after ${RATE_LIMIT_RETRY_AFTER_SECONDS} s`,
    {},
    RATE_LIMIT_RETRY_AFTER_SECONDS,
  );
}

/** Pattern searches in flight in this isolate (exported for tests, which fill it to see the refusal). */
export const searchesInFlight = new InFlightLimiter(SEARCH_IN_FLIGHT);

/**
 * Admits a pattern search only while its project has fewer than
 * `SEARCH_IN_FLIGHT.perKey` in flight here and the isolate fewer than
 * `SEARCH_IN_FLIGHT.total`; otherwise 429 `rate_limited` with reason
 * `concurrency`. Runs after requireProjectKey.
 */
export const boundSearchConcurrency = createMiddleware<{ Bindings: Env; Variables: ProjectVars }>(async (c, next) => {
  const slot = searchesInFlight.tryAcquire(c.get("project"));
  if (!slot.admitted) {
    const scope = slot.scope === "key" ? "project" : "isolate";
    throw refuse(
      c,
      "search",
      "concurrency",
      `${slot.max} searches are already running ${scope === "project" ? "for this project" : "here"}: retry after ${CONCURRENCY_RETRY_AFTER_SECONDS} s`,
      { scope, max_in_flight: slot.max },
      CONCURRENCY_RETRY_AFTER_SECONDS,
    );
  }
  try {
    await next();
  } finally {
    slot.release();
  }
});

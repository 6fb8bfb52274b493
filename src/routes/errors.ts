import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Problem } from "../domain/problem";
import { log } from "../adapters/log";
import { routeTemplate } from "./request-context";

/** What an {@link ApiError} carries besides its status. */
export interface ApiErrorOptions {
  /** Stable and machine-readable: `validation_failed`, `not_found`, … */
  code: string;
  message: string;
  /** Rendered as `error.details`: null, or what the code documents. */
  details?: unknown;
  headers?: Record<string, string>;
  /** Kept for logs, never rendered. */
  cause?: unknown;
}

/**
 * An error with a stable machine-readable code, rendered as `{ error: { code, message, details } }`.
 *
 * @example
 * throw new ApiError(404, "not_found", `no event with id '${id}' in this project`);
 * throw new ApiError(429, { code: "backpressure", message: "retry later", details: { lag_seconds }, headers: { "Retry-After": "5" } });
 */
export class ApiError extends HTTPException {
  readonly code: string;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, options: ApiErrorOptions);
  constructor(status: ContentfulStatusCode, code: string, message: string, details?: unknown, headers?: Record<string, string>);
  constructor(
    status: ContentfulStatusCode,
    codeOrOptions: string | ApiErrorOptions,
    message = "",
    details: unknown = null,
    headers: Record<string, string> = {},
  ) {
    const options = typeof codeOrOptions === "string" ? { code: codeOrOptions, message, details, headers } : codeOrOptions;
    super(status, { message: options.message, cause: options.cause });
    this.code = options.code;
    this.details = options.details ?? null;
    this.headers = options.headers ?? {};
  }
}

/** The status of each problem code the domain and the use cases return; any other code is a 400. */
const PROBLEM_STATUS: Record<string, ContentfulStatusCode> = {
  not_found: 404,
  too_many_events: 413,
  unsupported_media_type: 415,
  unreadable_archive: 422,
  not_enough_feedback: 422,
  snapshot_conflict: 409,
};

/** The one place a domain or use-case problem becomes an HTTP error. */
export function problemError(p: Problem, headers: Record<string, string> = {}): ApiError {
  return new ApiError(PROBLEM_STATUS[p.problem] ?? 400, { code: p.problem, message: p.message, headers });
}

const CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
  503: "unavailable",
};

/** The one error renderer: every error leaves in the same shape; 5xx never carries internals. */
export function renderError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json({ error: { code: err.code, message: err.message, details: err.details } }, err.status, err.headers);
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    return c.json({ error: { code: CODES[status] ?? "error", message: err.message, details: null } }, status);
  }
  log("error", "unhandled error", { request_id: c.get("requestId"), method: c.req.method, path: routeTemplate(c), error: err });
  return c.json({ error: { code: "internal", message: "internal error", details: null } }, 500);
}

export function renderNotFound(c: Context): Response {
  return c.json({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}`, details: null } }, 404);
}

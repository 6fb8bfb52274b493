import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Env } from "../env";
import { validationHook } from "../routes/validation";
import { errorSchema } from "./shared";

/** Who may call a route: a project key, the admin token, nobody in particular, or METRICS_TOKEN when it is set. */
export type Auth = "project" | "admin" | "metrics" | "none";

/** The hono Env of a Gleaner sub-app: the worker's bindings and what its middleware sets (`ProjectVars`). */
export type RouteEnv<V extends object = object> = { Bindings: Env; Variables: V };

/**
 * A sub-app whose routes document themselves: declare each with `createRoute`
 * and add it with `.openapi(route, handler)`. A request that fails a route's
 * params, query or JSON body schema is answered 400 `validation_failed`, naming
 * each field. Mount it with `app.route(prefix, subApp)`: the root's document
 * then holds its routes under the prefix.
 *
 * @example
 * export const eventsRoutes = routeApp<ProjectVars>();
 * eventsRoutes.use("*", requireProjectKey);
 * eventsRoutes.openapi(readEvent, async (c) => c.json(await find(c.req.valid("param").id), 200));
 */
export function routeApp<V extends object = object>(): OpenAPIHono<RouteEnv<V>> {
  return new OpenAPIHono<RouteEnv<V>>({ defaultHook: validationHook });
}

type Security = Record<string, string[]>[];

/** What each kind of auth adds to a route: its security and, for project keys, the project header (`#/components/parameters/Project`). */
const REQUIREMENTS = {
  project: { security: [{ projectKey: [] }] as Security, parameters: [{ $ref: "#/components/parameters/Project" }] },
  admin: { security: [{ adminToken: [] }] as Security },
  metrics: { security: [{}, { metricsToken: [] }] as Security },
  none: { security: [] as Security },
} satisfies Record<Auth, { security: Security; parameters?: { $ref: string }[] }>;

/**
 * The `security` (and, for project keys, the `X-Gleaner-Project` parameter)
 * of a route: spread it into `createRoute({ ...requires("project"), … })`.
 * It documents; the auth middleware (`requireProjectKey`, `requireAdmin`) enforces.
 */
export function requires<A extends Auth>(auth: A): (typeof REQUIREMENTS)[A] {
  return REQUIREMENTS[auth];
}

const AUTH_ERRORS = {
  project: {
    401: "missing, unknown or revoked project key",
    403: "the admin token, or a key of another project than X-Gleaner-Project / ?project= names",
    429: "this key's rate limit for the route's class is spent (`rate_limited`): retry after Retry-After seconds",
  },
  admin: {
    401: "missing or wrong admin token",
    403: "a project key",
    429: "the admin rate limit is spent (`rate_limited`): retry after Retry-After seconds",
    503: "GLEANER_ADMIN_TOKEN is not set: admin routes are disabled (`admin_disabled`)",
  },
  metrics: { 401: "METRICS_TOKEN is set and was not sent" },
  none: {},
} as const satisfies Record<Auth, Record<number, string>>;

const RETRY_AFTER = { "Retry-After": { description: "seconds to wait before retrying", schema: { type: "string" as const } } };

type ErrorResponse = { description: string; headers?: typeof RETRY_AFTER; content: { "application/json": { schema: typeof errorSchema } } };

/**
 * The error answers of a route, all `{ error: { code, message, details } }`:
 * those its auth brings (401/403, 429 `rate_limited`, 503 for admin routes)
 * and `extra`, the statuses the route itself answers, each with when (400
 * and 413 where it reads a body, 404, …). A status in both takes `extra`'s
 * text. 429 and 503 carry Retry-After.
 *
 * @example
 * responses: { 200: json("the event", storedEventSchema), ...errorResponses("project", { 404: "no such event in this project" }) }
 */
export function errorResponses<A extends Auth, X extends Record<number, string> = Record<never, string>>(
  auth: A,
  extra?: X,
): { [S in keyof (typeof AUTH_ERRORS)[A] | keyof X]: ErrorResponse } {
  const all: Record<number, string> = { ...AUTH_ERRORS[auth], ...extra };
  return Object.fromEntries(
    Object.entries(all).map(([status, description]) => [
      status,
      {
        description,
        ...(status === "429" || status === "503" ? { headers: RETRY_AFTER } : {}),
        content: { "application/json": { schema: errorSchema } },
      },
    ]),
  ) as { [S in keyof (typeof AUTH_ERRORS)[A] | keyof X]: ErrorResponse };
}

/** A named example of a value of `S` (sent: its input; answered: its output). */
export type Examples<T> = Record<string, { summary: string; value: T }>;

/**
 * A JSON answer with its schema (what `c.json(body, status)` is checked
 * against) and examples typed as that schema's output.
 */
export function json<S extends z.ZodType>(description: string, schema: S, examples?: Examples<z.output<S>>) {
  return { description, content: { "application/json": { schema, ...(examples ? { examples } : {}) } } };
}

/** A JSON request body: validated by the route before the handler runs; examples typed as its input. */
export function jsonBody<S extends z.ZodType>(schema: S, examples: Examples<z.input<S>>, description?: string) {
  return { required: true, ...(description ? { description } : {}), content: { "application/json": { schema, examples } } };
}

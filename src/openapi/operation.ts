import type { z } from "zod";

/** Who may call an operation: a project key, the admin token, nobody in particular, or METRICS_TOKEN when it is set. */
export type Auth = "project" | "admin" | "none" | "metrics";

export interface Example {
  summary: string;
  value: unknown;
}

/** One media type of a request body. */
export interface Body {
  /** The zod schema the route validates this body with (for NDJSON: each line). */
  schema: z.ZodType;
  /** Defaults to application/json. */
  mediaType?: string;
  /** NDJSON: the body is a string of lines, each one value of `schema`; examples are such strings. */
  lines?: true;
  examples: Record<string, Example>;
}

/** One documented answer. Without a schema the body is described, not typed (streams, passthrough). */
export interface Reply {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  mediaType?: string;
  /** Response header name → what it carries. */
  headers?: Record<string, string>;
  examples?: Record<string, Example>;
}

/**
 * One public route as the OpenAPI document describes it. Paths use OpenAPI
 * templates (`{id}`); `params` and `query` are the zod objects the route
 * validates with where it has them, else schemas that say what it accepts.
 */
export interface Operation {
  method: "get" | "post" | "put" | "delete";
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: Auth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Alternative media types of the body; required unless `bodyOptional`. */
  body?: Body[];
  bodyOptional?: true;
  responses: Record<number, Reply>;
  /** Error statuses this route itself answers (auth errors are added from `auth`), each with when. */
  errors?: Record<number, string>;
}

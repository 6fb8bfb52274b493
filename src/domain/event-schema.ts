import { z } from "zod";
import { parseClientTimestamp } from "./timestamps";

/** The schema version new events are stored with. Readers upcast older ones. */
export const CURRENT_SCHEMA_VERSION = 1;

/** How an interaction ended, as the producer (or a later feedback) states it. */
export const outcomeSchema = z.enum(["success", "partial", "failure", "unknown"]);
export type Outcome = z.infer<typeof outcomeSchema>;

/** A rating of an interaction: -1 bad, 0 neutral, 1 good. */
export const ratingSchema = z.union([z.literal(-1), z.literal(0), z.literal(1)], { message: "must be -1, 0 or 1" });
export type Rating = z.infer<typeof ratingSchema>;

const shortText = (max: number) => z.string().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

/**
 * Event schema v1: one interaction of an AI agent or service, as a producer sends it.
 * Unknown top-level keys are rejected (not silently dropped): free-form data goes in `attributes`.
 */
export const eventV1Schema = z.strictObject({
  schema_version: z.literal(1).optional(),
  id: shortText(200),
  type: shortText(100),
  source: shortText(100),
  timestamp: z.union([z.string().max(64), z.number()]).refine((v) => parseClientTimestamp(v) !== null, {
    message: "must be an ISO 8601 time or a Unix epoch number",
  }),
  session_id: shortText(200).optional(),
  interaction_id: shortText(200).optional(),
  query: z.string().optional(),
  response: z.string().optional(),
  outcome: outcomeSchema.optional(),
  feedback: ratingSchema.nullable().optional().describe("-1, 0 or 1; absent or null means unknown"),
  latency_ms: z.number().nonnegative().finite().optional(),
  model: shortText(200).optional(),
  tokens_in: z.number().int().nonnegative().optional(),
  tokens_out: z.number().int().nonnegative().optional(),
  tags: z.array(shortText(100)).max(50, "must have at most 50 tags").optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
});

export type EventV1 = z.infer<typeof eventV1Schema>;

/** A stored event: the validated producer event plus its schema version. */
export type StoredEvent = Omit<EventV1, "schema_version"> & { schema_version: number };

/** One problem with one event, in the shape ingest answers. */
export interface FieldError {
  path: string;
  message: string;
  /** A stable reason where one exists (`duplicate_key`, `reserved_key`, `invalid_unicode`, `too_deep`, `reserved_id`, `too_large`). */
  code?: string;
}

/** Turns zod issues into `{ path, message }` pairs with dotted paths. */
export function toFieldErrors(error: { issues: readonly z.core.$ZodIssue[] }): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || (issue.code === "unrecognized_keys" ? issue.keys.join(",") : ""),
    message:
      issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}: put custom data in attributes` : issue.message,
  }));
}

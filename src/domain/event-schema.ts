import { z } from "zod";
import { parseClientTimestamp } from "./timestamps";

/** The schema version new events are stored with. Readers upcast older ones (src/domain/upcast.ts). */
export const CURRENT_SCHEMA_VERSION = 2;

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

/**
 * One content part of a message, in OpenAI's chat shape (`{ type: "text", text }`,
 * `{ type: "image_url", image_url: { url } }`, …). Parts other than text are
 * kept as the producer sent them, within the event's size limit: send
 * references (URLs, file ids), not bytes.
 */
export const contentPartSchema = z.looseObject({ type: shortText(64) });

/** A tool call an assistant message makes, in OpenAI's shape; `arguments` is the JSON text the model wrote. */
export const toolCallSchema = z.strictObject({
  id: shortText(200),
  type: z.literal("function"),
  function: z.strictObject({ name: shortText(200), arguments: z.string() }),
});

/** One message of a conversation, in OpenAI's chat shape. */
export const messageSchema = z.strictObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPartSchema).max(200, "must have at most 200 parts"), z.null()]).optional(),
  name: shortText(200).optional(),
  tool_calls: z.array(toolCallSchema).max(128, "must have at most 128 tool calls").optional(),
  tool_call_id: shortText(200).optional(),
});
export type Message = z.infer<typeof messageSchema>;

/** A function the model was offered, in OpenAI's shape. */
export const toolSchema = z.strictObject({
  type: z.literal("function"),
  function: z.strictObject({
    name: shortText(200),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().optional(),
  }),
});
export type Tool = z.infer<typeof toolSchema>;

/**
 * Event schema v2: v1 plus the whole conversation (`messages`, in order), the
 * `tools` offered, and the ids that link the steps of one agent run. When
 * `messages` is given, `query` and `response` default to its last user and
 * last assistant text, so scoring and search keep working.
 */
export const eventV2Schema = eventV1Schema.extend({
  schema_version: z.union([z.literal(1), z.literal(2)]).optional(),
  messages: z.array(messageSchema).min(1, "must hold at least one message").max(1000, "must have at most 1000 messages").optional(),
  tools: z.array(toolSchema).max(128, "must have at most 128 tools").optional(),
  trace_id: shortText(128).optional(),
  span_id: shortText(128).optional(),
  parent_id: shortText(128).optional(),
});

export type EventV2 = z.infer<typeof eventV2Schema>;

/** A stored event: the validated producer event plus its schema version. */
export type StoredEvent = Omit<EventV2, "schema_version"> & { schema_version: number };

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

import { z } from "zod";
import { COMPONENTS } from "../../domain/scoring/components";
import { eventV1Schema } from "../../domain/event-schema";
import { feedbackSchema } from "../../domain/feedback-schema";
import { legacyEnvelopeSchema } from "../../domain/legacy/envelope";
import { named } from "../names";
import type { Operation } from "../operation";
import { ingestSummarySchema, isoTime } from "../shared";

named(eventV1Schema, "Event");
named(legacyEnvelopeSchema, "LegacyEnvelope");
named(feedbackSchema, "Feedback");

/**
 * A JSON ingest body. Each item is validated on its own with eventV1Schema (or
 * upcast first when it is a legacy envelope), so one bad event rejects only itself.
 */
const ingestRequestSchema = named(
  z.strictObject({
    events: z
      .array(z.union([eventV1Schema, legacyEnvelopeSchema]))
      .min(1)
      .describe("at most MAX_EVENTS_PER_REQUEST (1,000)"),
  }),
  "IngestRequest",
);

const eventIdParam = z.object({ id: z.string().min(1).max(200).describe("the event id the producer sent") });

const storedEventSchema = named(
  z.strictObject({
    id: z.string(),
    project: z.string(),
    schema_version: z.number().int(),
    status: z.enum(["received", "processed"]),
    sequence: z.number().int().describe("server order within the service; client time is never used for ordering"),
    received_at: isoTime,
    processed_at: isoTime.nullable(),
    event: eventV1Schema.extend({ schema_version: z.number().int() }).describe("the event as stored: secrets scrubbed, identity kept"),
  }),
  "StoredEvent",
);

const componentValues = z.strictObject(
  Object.fromEntries(COMPONENTS.map((n) => [n, z.number().nullable()])) as Record<(typeof COMPONENTS)[number], z.ZodNullable<z.ZodNumber>>,
);

const scoreSchema = named(
  z.strictObject({
    event_id: z.string(),
    value: z.number().nullable().describe("null when there is no evidence of value (no outcome and no feedback)"),
    confidence: z.number(),
    components: componentValues.describe("each in [0, 1], or null when unknown"),
    weights: z.strictObject({ profile: z.string(), version: z.number().int() }),
    weight_values: z.record(z.string(), z.number()),
    contributions: componentValues.describe("w·c / Σ known w for each known component"),
    high_value: z.boolean(),
    reason: z.string(),
    scored_at: isoTime,
  }),
  "Score",
);

const EVENT = {
  id: "evt-1",
  type: "agent_step_complete",
  source: "my-agent",
  timestamp: "2026-11-23T10:00:00Z",
  query: "How do I rotate logs?",
  response: "Use logrotate with copytruncate.",
  outcome: "success",
  latency_ms: 840,
  model: "qwen2.5-coder",
};

export const eventOperations: Operation[] = [
  {
    method: "post",
    path: "/v1/events",
    tag: "events",
    summary: "Ingest events",
    description:
      "A 2xx means committed: accepted events are in D1 before the answer. 202 when no event was rejected, 207 when some were " +
      "(the others are stored). Sending the same event again answers `duplicate`. Unknown top-level fields are rejected by name.",
    auth: "project",
    body: [
      {
        schema: ingestRequestSchema,
        examples: {
          one: { summary: "one event", value: { events: [EVENT] } },
          feedback: {
            summary: "an event with tags, tokens and a rating",
            value: { events: [{ ...EVENT, id: "evt-2", tags: ["debugging"], tokens_in: 120, tokens_out: 80, feedback: 1, attributes: { tool_calls: 2 } }] },
          },
          legacy: {
            summary: "a legacy envelope (what gleaner ship sends)",
            value: {
              events: [
                {
                  schema_version: "legacy",
                  origin: { file: "ralph-events.jsonl", offset: 342, line: 3 },
                  record: { event: "task_completed", task_id: "537b", status: "completed", total_iterations: 2, timestamp: "2026-01-05T17:49:37.079946" },
                },
              ],
            },
          },
        },
      },
      {
        schema: eventV1Schema,
        mediaType: "application/x-ndjson",
        lines: true,
        examples: {
          two: { summary: "two events, one a line", value: `${JSON.stringify(EVENT)}\n${JSON.stringify({ ...EVENT, id: "evt-3", outcome: "partial" })}\n` },
        },
      },
    ],
    responses: {
      202: {
        description: "every event accepted or duplicate",
        schema: ingestSummarySchema,
        examples: {
          accepted: { summary: "stored", value: { accepted: 1, duplicates: 0, rejected: 0, results: [{ index: 0, id: "evt-1", status: "accepted" }] } },
        },
      },
      207: {
        description: "some events rejected, the others stored",
        schema: ingestSummarySchema,
        examples: {
          mixed: {
            summary: "one stored, one rejected",
            value: {
              accepted: 1,
              duplicates: 0,
              rejected: 1,
              results: [
                { index: 0, id: "evt-1", status: "accepted" },
                {
                  index: 1,
                  id: "evt-9",
                  status: "rejected",
                  errors: [{ path: "outcome", message: 'Invalid option: expected one of "success"|"partial"|"failure"|"unknown"' }],
                },
              ],
            },
          },
        },
      },
    },
    errors: {
      400: "nothing could be read, or no event was valid (`no_valid_events`, details: the per-event results)",
      413: "the body is over MAX_BODY_BYTES or holds more than MAX_EVENTS_PER_REQUEST events (checked before parsing)",
      415: "neither application/json nor application/x-ndjson",
      429: "processing is behind its budget (`backpressure`): retry after Retry-After seconds",
    },
  },
  {
    method: "get",
    path: "/v1/events/{id}",
    tag: "events",
    summary: "Read a stored event",
    auth: "project",
    params: eventIdParam,
    responses: { 200: { description: "the event, its schema version and processing status", schema: storedEventSchema } },
    errors: { 404: "no such event in this project" },
  },
  {
    method: "get",
    path: "/v1/events/{id}/score",
    tag: "events",
    summary: "The event's value score and why",
    auth: "project",
    params: eventIdParam,
    responses: { 200: { description: "value, confidence, components, weights and each component's contribution", schema: scoreSchema } },
    errors: { 404: "no such event (`not_found`), or stored but not scored yet (`not_scored`)" },
  },
  {
    method: "post",
    path: "/v1/feedback",
    tag: "events",
    summary: "Rate an interaction",
    description: "By `event_id` or `interaction_id` (exactly one). Kept whether the event came before or not; idempotent by `id`.",
    auth: "project",
    body: [
      {
        schema: feedbackSchema,
        examples: {
          rating: { summary: "a rating for an event", value: { event_id: "evt-1", rating: 1 } },
          correction: {
            summary: "a correction by interaction, with its own id",
            value: { id: "fb-42", interaction_id: "turn-7", rating: -1, comment: "the command deleted the log", outcome: "failure" },
          },
        },
      },
    ],
    responses: {
      202: {
        description: "kept (or already kept: duplicate)",
        schema: z.strictObject({
          id: z.string(),
          status: z.enum(["accepted", "duplicate"]),
          matched_events: z.number().int().describe("stored events it applies to now"),
        }),
      },
    },
    errors: { 400: "validation_failed" },
  },
];

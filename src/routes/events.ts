import { createRoute, z } from "@hono/zod-openapi";
import { incrementCounter } from "../adapters/counters";
import { findEvent } from "../adapters/event-store";
import { currentPressure, pressureBudget } from "../adapters/pressure";
import { withMessages } from "../domain/conversation";
import { eventV2Schema, type StoredEvent } from "../domain/event-schema";
import { upcastEvent } from "../domain/upcast";
import { splitBody } from "../domain/ingest-batch";
import { legacyEnvelopeSchema } from "../domain/legacy/envelope";
import { documentAs, named } from "../openapi/names";
import { errorResponses, type Examples, json, requires, routeApp } from "../openapi/route-kit";
import { ingestSummarySchema, isoTime } from "../openapi/shared";
import { ingestItems } from "../pipeline/ingest";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError, problemError } from "./errors";
import { readBodyWithin } from "./read-body";
import { eventIdParam, scoreRoutes } from "./scores";
import { isProblem } from "../domain/problem";

named(eventV2Schema, "Event");
named(legacyEnvelopeSchema, "LegacyEnvelope");
documentAs(legacyEnvelopeSchema.shape.record, { type: "object", description: "one line of a legacy file, parsed" });

/**
 * A JSON ingest body, for the document only: the handler reads the body
 * itself and validates each item on its own (eventV2Schema, or a legacy
 * envelope upcast first), so one bad event rejects only itself.
 */
const ingestRequestSchema = z.strictObject({
  events: z
    .array(z.union([eventV2Schema, legacyEnvelopeSchema]))
    .min(1)
    .describe("at most MAX_EVENTS_PER_REQUEST (1,000)"),
});

const storedEventSchema = named(
  z.strictObject({
    id: z.string(),
    project: z.string(),
    schema_version: z.number().int(),
    status: z.enum(["received", "processed"]),
    sequence: z.number().int().describe("server order within the service; client time is never used for ordering"),
    received_at: isoTime,
    processed_at: isoTime.nullable(),
    event: eventV2Schema
      .extend({ schema_version: z.number().int() })
      .describe("the event as stored, upcast to the current schema: secrets scrubbed, identity kept; `messages` always holds the conversation"),
  }),
  "StoredEvent",
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
} satisfies z.input<typeof eventV2Schema>;

const INGEST_EXAMPLES: Examples<z.input<typeof ingestRequestSchema>> = {
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
};

const ingest = createRoute({
  method: "post",
  path: "/",
  tags: ["events"],
  summary: "Ingest events",
  description:
    "A 2xx means committed: accepted events are in D1 before the answer. 202 when no event was rejected, 207 when some were " +
    "(the others are stored). Sending the same event again answers `duplicate`. Unknown top-level fields are rejected by name.",
  ...requires("project"),
  request: {
    // Schemas given as references, not zod: documented, but not validated or read by the framework (the handler reads the body).
    body: {
      required: true,
      content: {
        "application/json": { schema: { $ref: "#/components/schemas/IngestRequest" }, examples: INGEST_EXAMPLES },
        "application/x-ndjson": {
          schema: { type: "string", description: "one JSON value a line; each line: Event (or LegacyEnvelope)" },
          examples: {
            two: { summary: "two events, one a line", value: `${JSON.stringify(EVENT)}\n${JSON.stringify({ ...EVENT, id: "evt-3", outcome: "partial" })}\n` },
          },
        },
      },
    },
  },
  responses: {
    202: json("every event accepted or duplicate", ingestSummarySchema, {
      accepted: { summary: "stored", value: { accepted: 1, duplicates: 0, rejected: 0, results: [{ index: 0, id: "evt-1", status: "accepted" }] } },
    }),
    207: json("some events rejected, the others stored", ingestSummarySchema, {
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
    }),
    ...errorResponses("project", {
      400: "nothing could be read, or no event was valid (`no_valid_events`, details: the per-event results)",
      413: "the body is over MAX_BODY_BYTES or holds more than MAX_EVENTS_PER_REQUEST events (checked before parsing)",
      415: "neither application/json nor application/x-ndjson",
      429: "processing is behind its budget (`backpressure`), or this key's ingest rate limit is spent (`rate_limited`): retry after Retry-After seconds",
    }),
  },
});

const readEvent = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["events"],
  summary: "Read a stored event",
  ...requires("project"),
  request: { params: eventIdParam },
  responses: {
    200: json("the event, its schema version and processing status", storedEventSchema),
    ...errorResponses("project", { 400: "an empty id, or one over 200 characters (`validation_failed`)", 404: "no such event in this project" }),
  },
});

export const eventsRoutes = routeApp<ProjectVars>();

// Published for the ingest body's $ref (the route itself names no zod schema for it).
eventsRoutes.openAPIRegistry.register("IngestRequest", ingestRequestSchema);

eventsRoutes.use("*", requireProjectKey);
eventsRoutes.route("/", scoreRoutes);

/**
 * Ingest. Refused with 429 while processing is behind its budget; otherwise
 * the answer comes only after the accepted events are committed in D1 (see
 * ingestItems), so a 2xx always means stored.
 */
eventsRoutes.openapi(ingest, async (c) => {
  const started = Date.now();
  const config = c.get("config");
  const pressure = await currentPressure(c.env.DB, pressureBudget(config), started, config.BACKPRESSURE_CACHE_MS);
  if (pressure.overBudget) {
    await incrementCounter(c.env.DB, "backpressure_rejections_total", 1).run();
    throw new ApiError(429, {
      code: "backpressure",
      message: `processing is behind (${pressure.backlogEvents} events waiting, oldest ${Math.round(pressure.lagSeconds)} s): retry later`,
      details: { backlog_events: pressure.backlogEvents, lag_seconds: pressure.lagSeconds, budget: pressure.budget },
      headers: { "Retry-After": String(config.BACKPRESSURE_RETRY_AFTER_SECONDS) },
    });
  }
  const body = await readBodyWithin(c.req.raw, config.MAX_BODY_BYTES);
  const items = splitBody(body, c.req.header("Content-Type") ?? "");
  if (!Array.isArray(items)) throw problemError(items);
  const summary = await ingestItems(c.env, c.get("project"), items, c.get("requestId"), started, { config });
  if (isProblem(summary)) throw problemError(summary);
  if (summary.rejected === 0) return c.json(summary, 202);
  if (summary.rejected === summary.results.length) {
    throw new ApiError(400, "no_valid_events", "no event in the request was valid; see details.results", summary);
  }
  return c.json(summary, 207);
});

/** The stored event upcast to the current schema, with its conversation; one this build cannot upcast is shown as stored. */
function readable(event: StoredEvent, version: number): StoredEvent {
  try {
    return withMessages(upcastEvent(event, version));
  } catch {
    return event;
  }
}

eventsRoutes.openapi(readEvent, async (c) => {
  const { id } = c.req.valid("param");
  const record = await findEvent(c.env.DB, c.get("project"), id);
  if (!record) throw new ApiError(404, "not_found", `no event with id '${id}' in this project`);
  return c.json(
    {
      id: record.eventId,
      project: record.project,
      schema_version: record.schemaVersion,
      status: record.status,
      sequence: record.seq,
      received_at: new Date(record.receivedAt).toISOString(),
      processed_at: record.processedAt === null ? null : new Date(record.processedAt).toISOString(),
      event: readable(record.event, record.schemaVersion),
    },
    200,
  );
});

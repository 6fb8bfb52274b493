import { createRoute, z } from "@hono/zod-openapi";
import { incrementCounter } from "../adapters/counters";
import { type EventListCursor, type EventListRow, ftsQuery, listEvents, SNIPPET_CLOSE, SNIPPET_OPEN } from "../adapters/event-list-store";
import { eventLineage } from "../adapters/event-lineage-store";
import { findEvent } from "../adapters/event-store";
import { currentPressure, pressureBudget } from "../adapters/pressure";
import { withMessages } from "../domain/conversation";
import { eventV2Schema, outcomeSchema, type StoredEvent } from "../domain/event-schema";
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

/** Most rows each list of GET /v1/events/{id}/lineage holds. */
const LINEAGE_MAX = 100;

const eventLineageSchema = named(
  z.strictObject({
    feedback: z
      .array(
        z.strictObject({
          rating: z.number().int(),
          comment: z.string().nullable(),
          outcome: z.string().nullable(),
          correction: z.unknown().describe("the better answer sent with the rating: text or an assistant message; null when none"),
          received_at: isoTime,
        }),
      )
      .describe(`feedback sent for the event's id or its interaction id, newest first (at most ${LINEAGE_MAX})`),
    patterns: z
      .array(z.strictObject({ id: z.string(), problem: z.string().nullable(), support: z.number().int(), quality: z.number().nullable() }))
      .describe(`the patterns this event is evidence of, by support (at most ${LINEAGE_MAX})`),
    examples: z
      .array(
        z.strictObject({
          dataset: z.string(),
          content_hash: z.string(),
          kind: z.string().describe("chat or preference"),
          split: z.string(),
          removed_at: isoTime.nullable().describe("when the example was removed from its dataset; null while it is in it"),
        }),
      )
      .describe(`dataset examples built from this event (as their event or one of their source events), newest first (at most ${LINEAGE_MAX})`),
  }),
  "EventLineage",
);

const eventLineageRoute = createRoute({
  method: "get",
  path: "/{id}/lineage",
  tags: ["events"],
  summary: "What an event fed",
  description:
    "The feedback history of an event (every rating, with its comment, outcome and correction), the patterns it is a source of and the dataset examples built from it.",
  ...requires("project"),
  request: { params: eventIdParam },
  responses: {
    200: json("the event's feedback, patterns and dataset examples", eventLineageSchema, {
      rated: {
        summary: "an event rated twice, distilled into a pattern and kept in the default dataset",
        value: {
          feedback: [
            {
              rating: -1,
              comment: "too vague",
              outcome: null,
              correction: "Use logrotate with copytruncate and rotate weekly.",
              received_at: "2026-11-23T10:05:00.000Z",
            },
            { rating: 1, comment: null, outcome: "success", correction: null, received_at: "2026-11-23T10:01:00.000Z" },
          ],
          patterns: [{ id: "pat-1", problem: "Logs fill the disk", support: 3, quality: 0.81 }],
          examples: [{ dataset: "default", content_hash: "9f2c", kind: "chat", split: "train", removed_at: null }],
        },
      },
    }),
    ...errorResponses("project", { 400: "an empty id, or one over 200 characters (`validation_failed`)", 404: "no such event in this project" }),
  },
});

/** Most events one page of GET /v1/events holds. */
const LIST_MAX = 200;

/** The opaque list cursor: base64url of ["seq", seq] (newest first) or ["rank", bm25, seq] (with q). */
function encodeListCursor(c: EventListCursor): string {
  const parts = c.score === undefined ? ["seq", c.seq] : ["rank", c.score, c.seq];
  return btoa(JSON.stringify(parts)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeListCursor(text: string): EventListCursor | null {
  try {
    const parts = JSON.parse(atob(text.replace(/-/g, "+").replace(/_/g, "/"))) as unknown[];
    if (parts[0] === "seq" && parts.length === 2 && Number.isSafeInteger(parts[1])) return { seq: parts[1] as number };
    if (parts[0] === "rank" && parts.length === 3 && typeof parts[1] === "number" && Number.isSafeInteger(parts[2])) {
      return { score: parts[1], seq: parts[2] as number };
    }
    return null;
  } catch {
    return null;
  }
}

/** ISO 8601: a date (UTC midnight) or a date and time with Z or an offset; answered as epoch ms. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const receiveTime = (what: string) =>
  z
    .string()
    .refine((s) => ISO_8601.test(s) && Number.isFinite(Date.parse(s)), { message: "must be an ISO 8601 date or date-time with Z or an offset" })
    .optional()
    .describe(what);
const flag = (what: string) => z.enum(["true", "false"]).optional().describe(what);
const text = (what: string) => z.string().min(1, "must not be empty").max(200, "must be at most 200 characters").optional().describe(what);

const listQuerySchema = z.object({
  source: text("only events of this source"),
  type: text("only events of this type"),
  model: text("only events of this model"),
  outcome: outcomeSchema.optional().describe("only events with this outcome"),
  session_id: text("only events of this session"),
  min_value: z.coerce.number().min(0).max(1).optional().describe("only events whose latest score value is at least this (0-1); unscored events never pass"),
  max_value: z.coerce.number().min(0).max(1).optional().describe("only events whose latest score value is at most this (0-1); unscored events never pass"),
  high_value: flag("true: only events whose latest score is high value; false: the others (unscored included)"),
  has_feedback: flag("true: only events with feedback (their own `feedback` field, or feedback sent for their id or interaction id); false: the others"),
  from: receiveTime("only events the server received at or after this time (ISO 8601)"),
  to: receiveTime("only events the server received before this time (ISO 8601)"),
  q: z
    .string()
    .max(500, "must be at most 500 characters")
    .refine((s) => ftsQuery(s) !== null, { message: "must hold at least one word (a letter or digit)" })
    .optional()
    .describe(
      "full-text search over the conversation (query, response, every message's text, tool call arguments): every word must occur " +
        "(stemmed, case and accents ignored; `word*` for a prefix). Results are ranked by bm25, best first, each with a `snippet`",
    ),
  limit: z.coerce.number().int().min(1).max(LIST_MAX).default(50).describe(`events a page holds, 1-${LIST_MAX} (default 50)`),
  cursor: z
    .string()
    .max(200)
    .refine((c) => decodeListCursor(c) !== null, { message: "must be a next_cursor this route answered" })
    .optional()
    .describe("opaque: the previous page's next_cursor (with the same filters and q)"),
});

const eventSummarySchema = z.strictObject({
  id: z.string(),
  received_at: isoTime.describe("when the server received the event"),
  source: z.string(),
  type: z.string(),
  model: z.string().nullable(),
  outcome: z.string().nullable(),
  value: z.number().nullable().describe("the latest score's value; null when not scored (or the score has no value)"),
  confidence: z.number().nullable().describe("the latest score's confidence; null when not scored"),
  high_value: z.boolean().nullable().describe("the latest score's high_value; null when not scored"),
  first_user: z.string().nullable().describe("the first user text of the conversation (at most 300 characters), else the query"),
  has_feedback: z.boolean(),
  session_id: z.string().nullable(),
  snippet: z
    .string()
    .optional()
    .describe(
      `with q only: the best-matching passage, each matched term between ${SNIPPET_OPEN} and ${SNIPPET_CLOSE}, cuts marked …; the text is not HTML-escaped`,
    ),
});

const eventListSchema = named(
  z.strictObject({
    events: z.array(eventSummarySchema),
    next_cursor: z.string().nullable().describe("pass as cursor for the next page; null on the last page"),
  }),
  "EventList",
);

const listEventsRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["events"],
  summary: "List and search events",
  description:
    "A project's events, filtered, newest first (by server sequence), a page at a time. With `q`, only the events whose conversation " +
    "holds every word, best match first (bm25; ties newest first), each with a snippet. The cursor pages through the same order " +
    "(with q: by rank then sequence; new events can shift the ranks of a later page).",
  ...requires("project"),
  request: { query: listQuerySchema },
  responses: {
    200: json("a page of events", eventListSchema, {
      searched: {
        summary: "GET /v1/events?q=logrotate&limit=1",
        value: {
          events: [
            {
              id: "evt-1",
              received_at: "2026-11-23T10:00:01.000Z",
              source: "my-agent",
              type: "agent_step_complete",
              model: "qwen2.5-coder",
              outcome: "success",
              value: 0.82,
              confidence: 0.6,
              high_value: true,
              first_user: "How do I rotate logs?",
              has_feedback: false,
              session_id: null,
              snippet: `How do I rotate logs?\nUse ${SNIPPET_OPEN}logrotate${SNIPPET_CLOSE} with copytruncate.`,
            },
          ],
          next_cursor: "WyJyYW5rIiwtMC4wMDAwMDEsMV0",
        },
      },
    }),
    ...errorResponses("project", {
      400: "a filter that does not parse or is out of range, a limit outside 1-200, a q without a word, or a cursor this route did not answer or answered with another q (`validation_failed`, naming the field)",
    }),
  },
});

function summary(r: EventListRow) {
  return {
    id: r.eventId,
    received_at: new Date(r.receivedAt).toISOString(),
    source: r.source,
    type: r.type,
    model: r.model,
    outcome: r.outcome,
    value: r.value,
    confidence: r.confidence,
    high_value: r.highValue,
    first_user: r.firstUser,
    has_feedback: r.hasFeedback,
    session_id: r.sessionId,
    ...(r.snippet !== undefined ? { snippet: r.snippet } : {}),
  };
}

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
  const summary = await ingestItems(c.env, c.get("project"), items, c.get("requestId"), started, { config, ...requestContextOf(c) });
  if (isProblem(summary)) throw problemError(summary);
  if (summary.rejected === 0) return c.json(summary, 202);
  if (summary.rejected === summary.results.length) {
    throw new ApiError(400, "no_valid_events", "no event in the request was valid; see details.results", summary);
  }
  return c.json(summary, 207);
});

/** The request's execution context, when it has one (`app.request` in a test may not). */
function requestContextOf(c: { executionCtx: Pick<ExecutionContext, "waitUntil"> }): { ctx?: Pick<ExecutionContext, "waitUntil"> } {
  try {
    return { ctx: c.executionCtx };
  } catch {
    return {};
  }
}

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

/** The explorer's list: filters, full-text search (FTS5, ranked, with snippets), keyset pages; one SQL statement a page. */
eventsRoutes.openapi(listEventsRoute, async (c) => {
  const q = c.req.valid("query");
  const after = q.cursor === undefined ? undefined : (decodeListCursor(q.cursor) ?? undefined);
  const match = q.q === undefined ? undefined : (ftsQuery(q.q) ?? undefined);
  if (after && (after.score !== undefined) !== (match !== undefined)) {
    const message = match === undefined ? "was answered for a search (q); send the same q" : "was answered without q; start a search without a cursor";
    throw new ApiError(400, "validation_failed", `cursor: ${message}`, { errors: [{ path: "cursor", message }] });
  }
  const page = await listEvents(c.env.DB, c.get("project"), {
    filters: {
      source: q.source,
      type: q.type,
      model: q.model,
      outcome: q.outcome,
      sessionId: q.session_id,
      minValue: q.min_value,
      maxValue: q.max_value,
      highValue: q.high_value === undefined ? undefined : q.high_value === "true",
      hasFeedback: q.has_feedback === undefined ? undefined : q.has_feedback === "true",
      from: q.from === undefined ? undefined : Date.parse(q.from),
      to: q.to === undefined ? undefined : Date.parse(q.to),
    },
    match,
    limit: q.limit,
    after,
  });
  return c.json({ events: page.rows.map(summary), next_cursor: page.next ? encodeListCursor(page.next) : null }, 200);
});

/** The event page's lineage: its feedback history, its patterns and its dataset examples; one D1 batch. */
eventsRoutes.openapi(eventLineageRoute, async (c) => {
  const { id } = c.req.valid("param");
  const lineage = await eventLineage(c.env.DB, c.get("project"), id, LINEAGE_MAX);
  if (!lineage) throw new ApiError(404, "not_found", `no event with id '${id}' in this project`);
  const iso = (ms: number) => new Date(ms).toISOString();
  return c.json(
    {
      feedback: lineage.feedback.map((f) => ({ ...f, received_at: iso(f.received_at) })),
      patterns: lineage.patterns,
      examples: lineage.examples.map((e) => ({ ...e, removed_at: e.removed_at === null ? null : iso(e.removed_at) })),
    },
    200,
  );
});

import { createRoute, z } from "@hono/zod-openapi";
import { listSessions, readSessionPage, sessionExists } from "../adapters/session-store";
import { withMessages } from "../domain/conversation";
import { eventV2Schema, outcomeSchema, ratingSchema, type StoredEvent } from "../domain/event-schema";
import { upcastEvent } from "../domain/upcast";
import { named } from "../openapi/names";
import { errorResponses, json, requires, routeApp } from "../openapi/route-kit";
import { isoTime } from "../openapi/shared";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError } from "./errors";

/** Most events one page holds. */
const SESSION_PAGE_MAX = 200;

const sessionIdParam = z.object({ id: z.string().min(1).max(200).describe("the session_id the producer sent with its events") });

const sessionQuery = z.object({
  limit: z.coerce.number().int().min(1).max(SESSION_PAGE_MAX).default(50).describe(`events a page holds, 1-${SESSION_PAGE_MAX} (default 50)`),
  cursor: z
    .string()
    .regex(/^[0-9]{1,15}$/, { message: "must be a next_cursor this route answered" })
    .optional()
    .describe("opaque: the previous page's next_cursor"),
});

const sessionEventSchema = z.strictObject({
  id: z.string(),
  sequence: z.number().int().describe("server order within the service; client time is never used for ordering"),
  received_at: isoTime,
  status: z.enum(["received", "processed"]),
  event: eventV2Schema
    .extend({ schema_version: z.number().int() })
    .describe("the event as stored, upcast to the current schema; `messages` always holds the conversation"),
  score: z
    .strictObject({ value: z.number().nullable(), confidence: z.number(), high_value: z.boolean() })
    .nullable()
    .describe("the latest score; null until the event is scored"),
  feedback: z
    .array(
      z.strictObject({
        rating: ratingSchema,
        comment: z.string().optional(),
        outcome: outcomeSchema.optional(),
        at: isoTime.describe("when the feedback was received"),
      }),
    )
    .describe("feedback on the event (by event_id or interaction_id), oldest first"),
});

const sessionPageSchema = named(
  z.strictObject({
    session_id: z.string(),
    events: z.array(sessionEventSchema),
    next_cursor: z.string().nullable().describe("pass as cursor for the next page; null on the last page"),
  }),
  "SessionPage",
);

const readSession = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["events"],
  summary: "A session's events, with their scores and feedback",
  description: "Events whose `session_id` is the given id, in server order, a page at a time.",
  ...requires("project"),
  request: { params: sessionIdParam, query: sessionQuery },
  responses: {
    200: json("a page of the session's events", sessionPageSchema),
    ...errorResponses("project", {
      400: "an empty id or one over 200 characters, a limit outside 1-200, or a cursor this route did not answer (`validation_failed`, naming the field)",
      404: "no event of this session in this project",
    }),
  },
});

const sessionListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(SESSION_PAGE_MAX).default(50).describe(`sessions a page holds, 1-${SESSION_PAGE_MAX} (default 50)`),
  cursor: z
    .string()
    .regex(/^[0-9]{1,15}$/, { message: "must be a next_cursor this route answered" })
    .optional()
    .describe("opaque: the previous page's next_cursor"),
});

const sessionListSchema = named(
  z.strictObject({
    sessions: z.array(
      z.strictObject({
        session_id: z.string(),
        events: z.number().int().describe("events of the session stored in this project"),
        first_received_at: isoTime.describe("when the server received its first event"),
        last_received_at: isoTime.describe("when the server received its latest event"),
        sources: z.array(z.string()).describe("the sources of its events, sorted"),
      }),
    ),
    next_cursor: z.string().nullable().describe("pass as cursor for the next page; null on the last page"),
  }),
  "SessionList",
);

const listSessionsRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["events"],
  summary: "Recent sessions, with their event counts",
  description:
    "The project's sessions (events sent with a `session_id`), newest activity first (by server order of each session's latest event), a page at a time.",
  ...requires("project"),
  request: { query: sessionListQuery },
  responses: {
    200: json("a page of sessions", sessionListSchema),
    ...errorResponses("project", { 400: "a limit outside 1-200, or a cursor this route did not answer (`validation_failed`, naming the field)" }),
  },
});

export const sessionRoutes = routeApp<ProjectVars>();
sessionRoutes.use("*", requireProjectKey);

sessionRoutes.openapi(listSessionsRoute, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const page = await listSessions(c.env.DB, c.get("project"), limit, cursor === undefined ? null : Number(cursor));
  return c.json(
    {
      sessions: page.sessions.map((s) => ({
        session_id: s.sessionId,
        events: s.events,
        first_received_at: new Date(s.firstReceivedAt).toISOString(),
        last_received_at: new Date(s.lastReceivedAt).toISOString(),
        sources: s.sources,
      })),
      next_cursor: page.nextBefore === null ? null : String(page.nextBefore),
    },
    200,
  );
});

/** The stored event upcast to the current schema, with its conversation; one this build cannot upcast is shown as stored. */
function readable(event: StoredEvent, version: number): StoredEvent {
  try {
    return withMessages(upcastEvent(event, version));
  } catch {
    return event;
  }
}

sessionRoutes.openapi(readSession, async (c) => {
  const project = c.get("project");
  const { id } = c.req.valid("param");
  const { limit, cursor } = c.req.valid("query");
  const page = await readSessionPage(c.env.DB, project, id, limit, cursor === undefined ? 0 : Number(cursor));
  // A page past the end is empty; only a session with no event at all is unknown.
  if (page.events.length === 0 && (cursor === undefined || !(await sessionExists(c.env.DB, project, id)))) {
    throw new ApiError(404, "not_found", `no event of session '${id}' in this project`);
  }
  return c.json(
    {
      session_id: id,
      events: page.events.map((e) => ({
        id: e.eventId,
        sequence: e.seq,
        received_at: new Date(e.receivedAt).toISOString(),
        status: e.status,
        event: readable(e.event, e.schemaVersion),
        score: e.score === null ? null : { value: e.score.value, confidence: e.score.confidence, high_value: e.score.highValue },
        feedback: e.feedback.map((f) => ({
          rating: f.rating,
          ...(f.comment !== null ? { comment: f.comment } : {}),
          ...(f.outcome !== null ? { outcome: f.outcome } : {}),
          at: new Date(f.receivedAt).toISOString(),
        })),
      })),
      next_cursor: page.nextAfter === null ? null : String(page.nextAfter),
    },
    200,
  );
});

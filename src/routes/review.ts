import { createRoute, z } from "@hono/zod-openapi";
import {
  DISAGREE_FAILURE_MIN_QUALITY,
  DISAGREE_SUCCESS_MAX_QUALITY,
  NEAR_THRESHOLD_BAND,
  REVIEW_REASONS,
  readReviewPage,
  type ReviewKey,
} from "../adapters/review-store";
import { COMPONENTS } from "../domain/scoring/components";
import { named } from "../openapi/names";
import { errorResponses, json, requires, routeApp } from "../openapi/route-kit";
import { isoTime } from "../openapi/shared";
import { requireProjectKey, type ProjectVars } from "./auth";

/** Most events one page holds. */
const REVIEW_PAGE_MAX = 100;

/** A cursor is `rank.priority.seq` of the previous page's last event; clients treat it as opaque. */
const CURSOR = /^([0-3])\.([0-9]{1,7})\.([0-9]{1,15})$/;

function encodeCursor(key: ReviewKey): string {
  return `${key.rank}.${key.priority}.${key.seq}`;
}

function decodeCursor(cursor: string): ReviewKey {
  const [, rank, priority, seq] = CURSOR.exec(cursor) ?? [];
  return { rank: Number(rank), priority: Number(priority), seq: Number(seq) };
}

const reviewQuery = z.object({
  limit: z.coerce.number().int().min(1).max(REVIEW_PAGE_MAX).default(20).describe(`events a page holds, 1-${REVIEW_PAGE_MAX} (default 20)`),
  cursor: z.string().regex(CURSOR, { message: "must be a next_cursor this route answered" }).optional().describe("opaque: the previous page's next_cursor"),
});

const componentValues = z.strictObject(
  Object.fromEntries(COMPONENTS.map((n) => [n, z.number().nullable()])) as Record<(typeof COMPONENTS)[number], z.ZodNullable<z.ZodNumber>>,
);

const reviewItemSchema = z.strictObject({
  event_id: z.string(),
  reason: z.enum(REVIEW_REASONS).describe("why the event is in the queue: the first reason that applies, in queue order"),
  priority: z.number().describe("in [0, 1]; within a reason, higher comes first (see the route description)"),
  value: z.number().nullable(),
  confidence: z.number(),
  high_value: z.boolean(),
  components: componentValues.describe("the latest score's components, each in [0, 1] or null when unknown"),
  query: z.string().nullable().describe("the event's `query`, null when it has none"),
  interaction_id: z.string().nullable(),
  received_at: isoTime,
  scored_at: isoTime,
});

const reviewPageSchema = named(
  z.strictObject({
    events: z.array(reviewItemSchema),
    next_cursor: z.string().nullable().describe("pass as cursor for the next page; null on the last page"),
  }),
  "ReviewPage",
);

const DESCRIPTION = `The project's scored events whose rating would teach the scoring the most, in order (docs/review.md).
Events with an explicit rating (POST /v1/feedback by event_id or interaction_id, or the event's own \`feedback\`) are never in the queue: rating an event takes it off at once.
Each event's reason is the first that applies to its latest score, and reasons come in this order:

1. \`value_unknown\`: value null (no outcome and no feedback). Priority 1.
2. \`low_confidence\`: confidence below HIGH_VALUE_MIN_CONFIDENCE. Priority (HIGH_VALUE_MIN_CONFIDENCE − confidence) / HIGH_VALUE_MIN_CONFIDENCE: the less known, the sooner.
3. \`near_threshold\`: |value − HIGH_VALUE_MIN_VALUE| < ${NEAR_THRESHOLD_BAND}. Priority 1 − |value − HIGH_VALUE_MIN_VALUE| / ${NEAR_THRESHOLD_BAND}: the closer, the sooner.
4. \`outcome_quality_disagree\`: the producer's outcome and the answer-quality judge disagree (outcome success with quality below ${DISAGREE_SUCCESS_MAX_QUALITY}, or failure with quality above ${DISAGREE_FAILURE_MIN_QUALITY}). Priority |outcome − quality|. This stands in for "fitted and configured weights disagree": no weight fit is computed per request.

Within a reason: priority (rounded to millionths) highest first, then newest first (server order). Other scored events are not in the queue.`;

const readReview = createRoute({
  method: "get",
  path: "/",
  tags: ["events"],
  summary: "The review queue: events whose rating would teach the most",
  description: DESCRIPTION,
  ...requires("project"),
  request: { query: reviewQuery },
  responses: {
    200: json("a page of the review queue", reviewPageSchema),
    ...errorResponses("project", {
      400: "a limit outside 1-100, or a cursor this route did not answer (`validation_failed`, naming the field)",
    }),
  },
});

/** GET /v1/review (project key). */
export const reviewRoutes = routeApp<ProjectVars>();
reviewRoutes.use("*", requireProjectKey);

reviewRoutes.openapi(readReview, async (c) => {
  const project = c.get("project");
  const config = c.get("config");
  const { limit, cursor } = c.req.valid("query");
  const page = await readReviewPage(
    c.env.DB,
    project,
    { minValue: config.HIGH_VALUE_MIN_VALUE, minConfidence: config.HIGH_VALUE_MIN_CONFIDENCE },
    limit,
    cursor === undefined ? null : decodeCursor(cursor),
  );
  return c.json(
    {
      events: page.items.map((i) => ({
        event_id: i.eventId,
        reason: i.reason,
        priority: i.priority,
        value: i.value,
        confidence: i.confidence,
        high_value: i.highValue,
        components: Object.fromEntries(COMPONENTS.map((n) => [n, i.components[n] ?? null])) as Record<(typeof COMPONENTS)[number], number | null>,
        query: i.query,
        interaction_id: i.interactionId,
        received_at: new Date(i.receivedAt).toISOString(),
        scored_at: new Date(i.scoredAt).toISOString(),
      })),
      next_cursor: page.next === null ? null : encodeCursor(page.next),
    },
    200,
  );
});

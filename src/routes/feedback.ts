import { createRoute, z } from "@hono/zod-openapi";
import { countTargets, storeFeedback } from "../adapters/feedback-store";
import { sha256Hex } from "../domain/sha256";
import { feedbackIdSource, feedbackSchema, scrubFeedback } from "../domain/feedback-schema";
import { redactionRules } from "../domain/redaction";
import { named } from "../openapi/names";
import { errorResponses, json, jsonBody, requires, routeApp } from "../openapi/route-kit";
import { requireProjectKey, type ProjectVars } from "./auth";
import { log } from "../adapters/log";
import type { RescoreMessage } from "../domain/queue-messages";
import type { Env } from "../env";

named(feedbackSchema, "Feedback");

const feedbackReceiptSchema = z.strictObject({
  id: z.string(),
  status: z.enum(["accepted", "duplicate"]),
  matched_events: z.number().int().describe("stored events it applies to now"),
});

const rate = createRoute({
  method: "post",
  path: "/",
  tags: ["events"],
  summary: "Rate an interaction",
  description: "By `event_id` or `interaction_id` (exactly one). Kept whether the event came before or not; idempotent by `id`.",
  ...requires("project"),
  request: {
    body: jsonBody(feedbackSchema, {
      rating: { summary: "a rating for an event", value: { event_id: "evt-1", rating: 1 } },
      correction: {
        summary: "a correction by interaction, with its own id",
        value: { id: "fb-42", interaction_id: "turn-7", rating: -1, comment: "the command deleted the log", outcome: "failure" },
      },
    }),
  },
  responses: {
    202: json("kept (or already kept: duplicate)", feedbackReceiptSchema),
    ...errorResponses("project", {
      400: "not strict JSON (`invalid_json`, `duplicate_key`, …), or a field fails Feedback (`validation_failed`, `details.errors` names each)",
      413: "the body is over MAX_CONTROL_BODY_BYTES",
      415: "not application/json",
    }),
  },
});

/** Asks the telemetry consumer to score the feedback's events again now. A failed send only delays it to the scoring cron. */
async function rescoreSoon(env: Env, project: string, input: { event_id?: string | undefined; interaction_id?: string | undefined }, requestId: string) {
  const body: RescoreMessage = {
    kind: "rescore",
    project,
    event_ids: input.event_id ? [input.event_id] : [],
    ...(input.interaction_id ? { interaction_ids: [input.interaction_id] } : {}),
    reason: "feedback",
    request_id: requestId,
  };
  try {
    await env.TELEMETRY_QUEUE.send(body);
  } catch (err) {
    log("warn", "re-score enqueue failed; the scoring cron applies the feedback", { request_id: requestId, error: err });
  }
}

export const feedbackRoutes = routeApp<ProjectVars>();

feedbackRoutes.use("*", requireProjectKey);

/**
 * Feedback may arrive any time after its event, or before it: it is kept
 * either way. Its events are re-scored within seconds through a `rescore`
 * queue message, handled by the consumer that owns scoring (it waits for an
 * event's first score, so the two never race); the scoring cron remains the
 * safety net. An event that arrives later picks its feedback up when it is first scored. Its comment
 * is scrubbed of secrets before anything (the derived id included) is made of it.
 */
feedbackRoutes.openapi(rate, async (c) => {
  const config = c.get("config");
  const project = c.get("project");
  const redactions = new Map<string, number>();
  const input = scrubFeedback(c.req.valid("json"), redactionRules({ emails: config.REDACT_EMAILS, disabledKinds: config.REDACTION_DISABLED }), redactions);
  const id = input.id ?? `fb_${(await sha256Hex(feedbackIdSource(input))).slice(0, 32)}`;
  const isNew = await storeFeedback(c.env.DB, project, id, input, Date.now(), redactions);
  const targets = await countTargets(c.env.DB, project, input);
  if (isNew && targets > 0) await rescoreSoon(c.env, project, input, c.get("requestId"));
  return c.json({ id, status: isNew ? ("accepted" as const) : ("duplicate" as const), matched_events: targets }, 202);
});

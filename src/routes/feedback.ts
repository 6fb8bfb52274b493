import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { countTargets, storeFeedback } from "../adapters/feedback-store";
import { sha256Hex } from "../domain/api-keys";
import { feedbackIdSource, feedbackSchema } from "../domain/feedback-schema";
import type { Env } from "../env";
import { requireProjectKey, type ProjectVars } from "./auth";
import { validationHook } from "./validation";

export const feedbackRoutes = new Hono<{ Bindings: Env; Variables: ProjectVars }>();

feedbackRoutes.use("*", requireProjectKey);

/**
 * Feedback may arrive any time after its event, or before it: it is kept
 * either way. The scoring cron applies late feedback to scored events; an event
 * that arrives later picks its feedback up when it is first scored.
 */
feedbackRoutes.post("/", zValidator("json", feedbackSchema, validationHook), async (c) => {
  const input = c.req.valid("json");
  const project = c.get("project");
  const id = input.id ?? `fb_${(await sha256Hex(feedbackIdSource(input))).slice(0, 32)}`;
  const isNew = await storeFeedback(c.env.DB, project, id, input, Date.now());
  const targets = await countTargets(c.env.DB, project, input);
  return c.json({ id, status: isNew ? "accepted" : "duplicate", matched_events: targets }, 202);
});

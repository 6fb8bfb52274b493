import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { countTargets, storeFeedback } from "../adapters/feedback-store";
import { readConfig } from "../config";
import { sha256Hex } from "../domain/api-keys";
import { feedbackIdSource, feedbackSchema, scrubFeedback } from "../domain/feedback-schema";
import { redactionRules } from "../domain/redaction";
import type { Env } from "../env";
import { requireProjectKey, type ProjectVars } from "./auth";
import { validationHook } from "./validation";

export const feedbackRoutes = new Hono<{ Bindings: Env; Variables: ProjectVars }>();

feedbackRoutes.use("*", requireProjectKey);

/**
 * Feedback may arrive any time after its event, or before it: it is kept
 * either way. The scoring cron applies late feedback to scored events; an event
 * that arrives later picks its feedback up when it is first scored. Its comment
 * is scrubbed of secrets before anything (the derived id included) is made of it.
 */
feedbackRoutes.post("/", zValidator("json", feedbackSchema, validationHook), async (c) => {
  const config = readConfig(c.env);
  const project = c.get("project");
  const redactions = new Map<string, number>();
  const input = scrubFeedback(c.req.valid("json"), redactionRules({ emails: config.REDACT_EMAILS, disabledKinds: config.REDACTION_DISABLED }), redactions);
  const id = input.id ?? `fb_${(await sha256Hex(feedbackIdSource(input))).slice(0, 32)}`;
  const isNew = await storeFeedback(c.env.DB, project, id, input, Date.now(), redactions);
  const targets = await countTargets(c.env.DB, project, input);
  return c.json({ id, status: isNew ? "accepted" : "duplicate", matched_events: targets }, 202);
});

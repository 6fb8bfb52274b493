import { z } from "zod";
import { messageSchema, outcomeSchema, ratingSchema } from "./event-schema";
import { redactText, redactValue, type RedactionRule } from "./redaction";

/** A string that is well-formed Unicode: a lone surrogate (`\ud800`) cannot be stored as UTF-8. */
const wellFormed = (s: z.ZodString) => s.refine((v) => v.isWellFormed(), "must be well-formed Unicode");

const feedbackRef = wellFormed(z.string().min(1).max(200));

/** POST /v1/feedback: a rating for an interaction, by event id or interaction id. */
export const feedbackSchema = z
  .strictObject({
    id: feedbackRef.optional(),
    event_id: feedbackRef.optional(),
    interaction_id: feedbackRef.optional(),
    rating: ratingSchema,
    comment: wellFormed(z.string().max(4000, "must be at most 4000 characters")).optional(),
    outcome: outcomeSchema.optional(),
    /** The better answer: text, or an assistant message (with tool calls, say). Makes a preference pair with the rated answer. */
    correction: z
      .union([
        wellFormed(z.string().min(1, "must not be empty").max(32_000, "must be at most 32000 characters")),
        messageSchema.refine((m) => m.role === "assistant", { message: "must be an assistant message", path: ["role"] }),
      ])
      .optional(),
  })
  .refine((f) => (f.event_id === undefined) !== (f.interaction_id === undefined), {
    message: "give exactly one of event_id or interaction_id",
    path: ["event_id"],
  });

export type FeedbackInput = z.infer<typeof feedbackSchema>;

/**
 * Scrubs the free text of a feedback (its comment) with the redaction rules,
 * adding what it replaced to `counts` by kind. The ids are kept as sent, as an
 * event's are: they are what the feedback points at.
 */
export function scrubFeedback(f: FeedbackInput, rules: readonly RedactionRule[], counts: Map<string, number>): FeedbackInput {
  let out = f;
  if (f.comment !== undefined) {
    const comment = redactText(f.comment, rules, counts);
    if (comment !== f.comment) out = { ...out, comment };
  }
  if (f.correction !== undefined) out = { ...out, correction: redactValue(f.correction, rules, counts) };
  return out;
}

/**
 * The content a feedback id is derived from when the producer gives none: the
 * same feedback resent is the same id. Give it the scrubbed feedback: redaction
 * is deterministic, so a resend still maps to the same id, and no secret (a
 * low-entropy password could be guessed back from its hash) goes into the id.
 * Two feedbacks that differ only in a scrubbed secret are thus one feedback.
 */
export function feedbackIdSource(f: FeedbackInput): string {
  const base = [f.event_id ?? null, f.interaction_id ?? null, f.rating, f.comment ?? null, f.outcome ?? null];
  // Without a correction the id is what it always was, so a resend from before corrections existed is still a duplicate.
  return JSON.stringify(f.correction === undefined ? base : [...base, f.correction]);
}

import { z } from "zod";

/** POST /v1/feedback: a rating for an interaction, by event id or interaction id. */
export const feedbackSchema = z
  .strictObject({
    id: z.string().min(1).max(200).optional(),
    event_id: z.string().min(1).max(200).optional(),
    interaction_id: z.string().min(1).max(200).optional(),
    rating: z.union([z.literal(-1), z.literal(0), z.literal(1)], { message: "must be -1, 0 or 1" }),
    comment: z.string().max(4000, "must be at most 4000 characters").optional(),
    outcome: z.enum(["success", "partial", "failure", "unknown"]).optional(),
  })
  .refine((f) => (f.event_id === undefined) !== (f.interaction_id === undefined), {
    message: "give exactly one of event_id or interaction_id",
    path: ["event_id"],
  });

export type FeedbackInput = z.infer<typeof feedbackSchema>;

/** The content a feedback id is derived from when the producer gives none: the same feedback resent is the same id. */
export function feedbackIdSource(f: FeedbackInput): string {
  return JSON.stringify([f.event_id ?? null, f.interaction_id ?? null, f.rating, f.comment ?? null, f.outcome ?? null]);
}

import { z } from "zod";
import { feedbackSchema } from "../../domain/feedback-schema";
import { named } from "../names";
import type { Operation } from "../operation";

named(feedbackSchema, "Feedback");

/** POST /v1/feedback, until src/routes/feedback.ts declares it with createRoute (then delete this file). */
export const eventOperations: Operation[] = [
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

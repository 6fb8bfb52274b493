import { z } from "zod";

export const DATASET_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** What makes an interaction a training example for a dataset. Every field has a default. */
export const datasetRulesSchema = z.strictObject({
  min_value: z.number().min(0).max(1).default(0.7),
  min_confidence: z.number().min(0).max(1).default(0.5),
  outcomes: z
    .array(z.enum(["success", "partial", "failure", "unknown"]))
    .min(1)
    .default(["success"]),
  sources: z.array(z.string().min(1)).max(100).optional(),
  profiles: z.array(z.string().min(1)).max(50).optional(),
  /** Cosine similarity at or above which a new example is a near duplicate of an earlier one. */
  near_duplicate_threshold: z.number().min(0).max(1).default(0.95),
  system_prompt: z.string().min(1).max(4000).default("You are a careful assistant for a self-hosted AI stack."),
});

export type DatasetRules = z.infer<typeof datasetRulesSchema>;

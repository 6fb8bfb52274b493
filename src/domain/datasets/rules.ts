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
  /** Prepended as a system message only when the conversation has no system (or developer) message of its own. */
  system_prompt: z.string().min(1).max(4000).default("You are a careful assistant for a self-hosted AI stack."),
  /** One example per event, or one per session (the session's events merged into one conversation). */
  unit: z.enum(["event", "session"]).default("event"),
  /** The share of examples in the validation split (by example hash: an example keeps its split across snapshots). */
  validation_ratio: z.number().min(0).max(0.5).default(0.1),
  /** Examples whose estimated token count (src/domain/datasets/format-check.ts) is over this are skipped. */
  max_tokens: z.number().int().min(16).max(1_000_000).default(32768),
  /** `exclude`: text that was hashed or redacted never becomes an example; `keep_placeholders`: kept with its markers. */
  redacted: z.enum(["exclude", "keep_placeholders"]).default("exclude"),
  /** The license of the exported dataset, as the Hugging Face dataset card states it (an SPDX-like id, or `other`). */
  license: z.string().min(1).max(64).default("other"),
  /** Whether feedback makes preference pairs (+1 vs −1 answers, corrections) for this dataset. */
  preference_pairs: z.boolean().default(true),
});

export type DatasetRules = z.infer<typeof datasetRulesSchema>;

import { z } from "zod";

export const PATTERN_SCHEMA_VERSION = 1;

/** What an extractor produces from one interaction: the reusable part of it. */
export const extractedPatternSchema = z.strictObject({
  problem: z.string().min(1).max(2000),
  approach: z.string().min(1).max(4000),
  steps: z.array(z.string().min(1).max(1000)).max(30),
  skills: z.array(z.string().min(1).max(100)).max(20),
  lesson: z.string().min(1).max(2000),
});

export type ExtractedPattern = z.infer<typeof extractedPatternSchema>;

export type ExtractorName = "heuristic" | "llm";

/** A stored pattern, with its provenance. */
export interface Pattern extends ExtractedPattern {
  id: string;
  schema_version: number;
  extractor: ExtractorName;
  source_event_ids: string[];
  source: string;
  tags: string[];
  value: number | null;
}

/** The text a pattern is embedded and searched by. */
export function patternSearchText(p: ExtractedPattern): string {
  return `${p.problem}\n${p.lesson}\n${p.skills.join(" ")}`;
}

/**
 * A pattern's point in a vector collection: keyed by the pattern id, with the
 * payload searches filter on (source, tags, value). Extraction, re-extraction
 * and the fill of a new model's collection all write this one shape.
 */
export function patternPoint(p: { id: string; project: string; source: string; tags: readonly string[]; value: number | null }, vector: Float32Array) {
  return { id: p.id, project: p.project, vector, payload: { pattern_id: p.id, source: p.source, tags: p.tags, value: p.value } };
}

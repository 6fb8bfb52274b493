import { z } from "zod";
import { extractHeuristically, type InteractionFacts } from "./heuristic-extractor";

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

/** A stored pattern, with its provenance and consolidation (docs/patterns.md). */
export interface Pattern extends ExtractedPattern {
  id: string;
  schema_version: number;
  extractor: ExtractorName;
  /** Distinct source events, oldest first (at most {@link MAX_LISTED_SOURCES}; `support` counts them all). */
  source_event_ids: string[];
  source: string;
  tags: string[];
  /** The highest value among the sources (the exemplar's). */
  value: number | null;
  /** Number of distinct source events merged into this pattern. */
  support: number;
  /** Mean of the sources' score values, in [0, 1]; null when none was known. */
  quality: number | null;
  /** The source whose problem, approach and lesson the pattern carries (null for patterns made before consolidation). */
  exemplar_event_id: string | null;
  /** Event times (ISO, UTC) of the earliest and latest sources. */
  first_seen: string | null;
  last_seen: string | null;
}

/** How many source event ids a pattern answer lists. */
export const MAX_LISTED_SOURCES = 1000;

/** The text a pattern is embedded and searched by. */
export function patternSearchText(p: ExtractedPattern): string {
  return `${p.problem}\n${p.lesson}\n${p.skills.join(" ")}`;
}

/**
 * The text an interaction is matched (and its pattern embedded) by: the
 * search text of its heuristic extraction. Always the heuristic's, whichever
 * extractor wrote the pattern, so merging does not depend on the LLM being up
 * and near-identical interactions give near-identical texts.
 */
export function matchText(facts: InteractionFacts): string {
  return patternSearchText(extractHeuristically(facts));
}

/**
 * A pattern's point in a vector collection: keyed by the pattern id, with the
 * payload searches filter on (source, tags, value, support) and rank by
 * (support, quality). Extraction, re-extraction and the fill of a new model's
 * collection all write this one shape.
 */
export function patternPoint(
  p: { id: string; project: string; source: string; tags: readonly string[]; value: number | null; support?: number; quality?: number | null },
  vector: Float32Array,
) {
  return {
    id: p.id,
    project: p.project,
    vector,
    payload: { pattern_id: p.id, source: p.source, tags: p.tags, value: p.value, support: p.support ?? 1, quality: p.quality ?? null },
  };
}

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

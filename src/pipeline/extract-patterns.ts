import { DependencyUnavailableError, type BreakerOptions } from "../adapters/breaker";
import { commitTogether } from "../adapters/commit";
import type { Embedder } from "../adapters/embedder";
import type { EventRecord } from "../adapters/event-store";
import { extractWithLlm } from "../adapters/llm-extractor";
import { log } from "../adapters/log";
import { finishWithoutPatternStatement, loadPendingExtractions, storePatternsStatements, type PatternToStore } from "../adapters/pattern-store";
import { planCollections, type CollectionRow } from "../adapters/vector-collections";
import type { VectorStore } from "../adapters/vector-store";
import { sha256Hex } from "../domain/sha256";
import { extractHeuristically, type InteractionFacts } from "../domain/patterns/heuristic-extractor";
import { patternPoint, patternSearchText, type ExtractedPattern, type ExtractorName } from "../domain/patterns/pattern";
import { contentOf } from "../domain/text-content";

export const PATTERN_KIND = "patterns";

/** What pattern work needs; src/wiring.ts builds it from the environment and the configuration. */
export interface PatternDeps {
  db: D1Database;
  breaker: BreakerOptions;
  /** The configured embedder: the built-in one unless EMBEDDINGS_URL is set. */
  embedder: Embedder;
  /** The embedder that made a collection (queries must be embedded in the collection's own space). */
  embedderFor(row: CollectionRow): Embedder;
  storeFor(row: CollectionRow): VectorStore;
  llm: { url: string; model: string; apiKey?: string | undefined } | null;
}

/** What an extractor may see of an event: real text only, never scrubbed markers. */
export function factsOf(record: EventRecord): InteractionFacts | null {
  const e = record.event;
  const query = contentOf(e.query);
  const response = contentOf(e.response);
  if (query === undefined && response === undefined) return null;
  const toolCalls = e.attributes?.tool_calls;
  return {
    type: e.type,
    source: e.source,
    ...(query !== undefined ? { query } : {}),
    ...(response !== undefined ? { response } : {}),
    ...(e.outcome ? { outcome: e.outcome } : {}),
    ...(e.tags ? { tags: e.tags } : {}),
    ...(typeof toolCalls === "number" ? { toolCalls } : {}),
  };
}

/** Pattern ids derive from the source content, so a redelivery (or the same interaction twice) is one pattern. */
export async function patternIdOf(project: string, facts: InteractionFacts): Promise<string> {
  return `pat_${(await sha256Hex(JSON.stringify([project, facts.type, facts.query ?? "", facts.response ?? ""]))).slice(0, 32)}`;
}

/** The LLM extractor when configured and reachable, else the heuristic one (marked for re-extraction). */
export async function extractOne(
  deps: PatternDeps,
  facts: InteractionFacts,
): Promise<{ pattern: ExtractedPattern; extractor: ExtractorName; needsReextract: boolean }> {
  if (deps.llm) {
    try {
      return { pattern: await extractWithLlm(deps.db, deps.llm, deps.breaker, facts), extractor: "llm", needsReextract: false };
    } catch (err) {
      log("warn", "LLM extraction failed; heuristic fallback, marked for re-extraction", { error: err });
      return { pattern: extractHeuristically(facts), extractor: "heuristic", needsReextract: true };
    }
  }
  return { pattern: extractHeuristically(facts), extractor: "heuristic", needsReextract: false };
}

/** Embeds patterns once and writes their points into the collection of the configured model. */
export async function embedAndUpsert(deps: PatternDeps, items: readonly PatternToStore[], now: number): Promise<void> {
  if (items.length === 0) return;
  const plan = await planCollections(deps.db, PATTERN_KIND, deps.embedder.model, deps.embedder.dimension, now);
  const vectors = await deps.embedder.embed(items.map((i) => patternSearchText(i.pattern)));
  await deps.storeFor(plan.write).upsert(
    items.flatMap((item, i) => {
      const vector = vectors[i];
      return vector ? [patternPoint(item, vector)] : [];
    }),
  );
}

/**
 * Distils the pending high-value events of one project into patterns:
 * extract (LLM or heuristic), embed in one call, upsert in one call, then
 * commit patterns, provenance and finished extractions together. When the
 * embedder or the vector store is unavailable it throws
 * DependencyUnavailableError before writing anything: the message is retried
 * later, nothing is dropped.
 */
export async function extractPatterns(deps: PatternDeps, project: string, eventIds: readonly string[], now: number) {
  const pending = await loadPendingExtractions(deps.db, project, eventIds);
  const items: PatternToStore[] = [];
  const empty: string[] = [];
  for (const { record, value } of pending) {
    const facts = factsOf(record);
    if (!facts) {
      empty.push(record.eventId);
      continue;
    }
    const { pattern, extractor, needsReextract } = await extractOne(deps, facts);
    items.push({
      project,
      id: await patternIdOf(project, facts),
      pattern,
      extractor,
      needsReextract,
      value,
      source: record.event.source,
      tags: record.event.tags ?? [],
      eventId: record.eventId,
    });
  }
  await embedAndUpsert(deps, items, now);
  const statements = storePatternsStatements(deps.db, items, now);
  if (empty.length) statements.push(finishWithoutPatternStatement(deps.db, project, empty, now));
  await commitTogether(deps.db, statements);
  return { extracted: items.length, without_content: empty.length };
}

export { DependencyUnavailableError };

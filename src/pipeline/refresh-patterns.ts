import { DependencyUnavailableError } from "../adapters/breaker";
import { commitTogether } from "../adapters/commit";
import { extractWithLlm, MAX_SUPPORTING_QUERIES } from "../adapters/llm-extractor";
import { patternSourceEvents, patternsAfter, patternsNeedingReextract, replacePatternTextStatement, type StoredPattern } from "../adapters/pattern-store";
import { advanceFillStatements, planCollections } from "../adapters/vector-collections";
import { matchText, patternPoint, patternSearchText } from "../domain/patterns/pattern";
import { upcastEvent } from "../domain/upcast";
import { factsOf, PATTERN_KIND, type PatternDeps } from "./extract-patterns";

/** The text a stored pattern's vector embeds: its exemplar's match text, else (made before consolidation) its own search text. */
const embeddedText = (p: StoredPattern) => p.search_text ?? patternSearchText(p);

/** A stored pattern's point: its vector with the payload searches filter on. */
const pointOf = (p: StoredPattern, vector: Float32Array) => patternPoint(p, vector);

/**
 * Re-extracts, with the LLM, up to `pageSize` patterns the heuristic fallback
 * made while it was down, from each one's exemplar and up to three supporting
 * queries; stops at the first sign it is unavailable again. Sources, support
 * and the vector's text stay as they are. Returns how many were replaced.
 * Without an LLM there is nothing to do.
 */
export async function reextractFallbacks(deps: PatternDeps, pageSize: number, now: number): Promise<number> {
  if (!deps.llm) return 0;
  const replaced: { p: StoredPattern; text: string }[] = [];
  const statements: D1PreparedStatement[] = [];
  for (const p of await patternsNeedingReextract(deps.db, pageSize)) {
    const records = (await patternSourceEvents(deps.db, p.project, p.id, 1 + MAX_SUPPORTING_QUERIES)).map((r) => ({
      ...r,
      event: upcastEvent(r.event, r.schemaVersion),
    }));
    const exemplar = records.find((r) => r.eventId === p.exemplar_event_id) ?? records[0];
    const facts = exemplar ? factsOf(exemplar) : null;
    if (!facts || !exemplar) continue;
    const supporting = records.filter((r) => r !== exemplar).flatMap((r) => factsOf(r)?.query ?? []);
    try {
      const pattern = await extractWithLlm(deps.db, deps.llm, deps.breaker, facts, supporting);
      const text = p.search_text ?? matchText(facts);
      statements.push(replacePatternTextStatement(deps.db, { project: p.project, id: p.id, pattern, tags: p.tags, extractor: "llm", searchText: text }, now));
      replaced.push({ p, text });
    } catch (err) {
      if (err instanceof DependencyUnavailableError) break;
    }
  }
  // A pattern made before consolidation gets its match text now: its point is re-embedded by it.
  const reembed = replaced.filter(({ p }) => p.search_text === null);
  if (reembed.length) {
    const plan = await planCollections(deps.db, PATTERN_KIND, deps.embedder.model, deps.embedder.dimension, now);
    const vectors = await deps.embedder.embed(reembed.map((r) => r.text));
    await deps.storeFor(plan.write).upsert(
      reembed.flatMap(({ p }, i) => {
        const vector = vectors[i];
        return vector ? [pointOf(p, vector)] : [];
      }),
    );
  }
  await commitTogether(deps.db, statements);
  return replaced.length;
}

/**
 * Embeds the next page of patterns into the configured model's collection
 * while it is filling, and makes it the one searches read once it is
 * complete. Only vectors move: support, sources and exemplars live in D1, so
 * merges survive a model change. Returns how many patterns were embedded.
 */
export async function fillNewCollection(deps: PatternDeps, pageSize: number, now: number): Promise<number> {
  const plan = await planCollections(deps.db, PATTERN_KIND, deps.embedder.model, deps.embedder.dimension, now);
  if (plan.write.status !== "filling") return 0;
  const page = await patternsAfter(deps.db, plan.write.cursor, pageSize);
  const vectors = await deps.embedder.embed(page.map(embeddedText));
  await deps.storeFor(plan.write).upsert(
    page.flatMap((p, i) => {
      const vector = vectors[i];
      return vector ? [pointOf(p, vector)] : [];
    }),
  );
  const cursor = page.at(-1)?.seq ?? plan.write.cursor;
  await commitTogether(deps.db, advanceFillStatements(deps.db, plan.write, cursor, page.length < pageSize));
  return page.length;
}

import { DependencyUnavailableError } from "../adapters/breaker";
import { commitTogether } from "../adapters/commit";
import { findEvent } from "../adapters/event-store";
import { extractWithLlm } from "../adapters/llm-extractor";
import { patternsAfter, patternsNeedingReextract, storePatternsStatements, type PatternToStore } from "../adapters/pattern-store";
import { advanceFillStatements, planCollections } from "../adapters/vector-collections";
import { patternPoint, patternSearchText } from "../domain/patterns/pattern";
import { upcastEvent } from "../domain/upcast";
import { embedAndUpsert, factsOf, PATTERN_KIND, type PatternDeps } from "./extract-patterns";

/**
 * Re-extracts, with the LLM, up to `pageSize` patterns the heuristic fallback
 * made while it was down; stops at the first sign it is unavailable again.
 * Returns how many were replaced. Without an LLM there is nothing to do.
 */
export async function reextractFallbacks(deps: PatternDeps, pageSize: number, now: number): Promise<number> {
  if (!deps.llm) return 0;
  const items: PatternToStore[] = [];
  for (const p of await patternsNeedingReextract(deps.db, pageSize)) {
    const sourceId = p.source_event_ids[0];
    const record = sourceId ? await findEvent(deps.db, p.project, sourceId) : null;
    const facts = record ? factsOf({ ...record, event: upcastEvent(record.event, record.schemaVersion) }) : null;
    if (!facts || !sourceId) continue;
    try {
      const pattern = await extractWithLlm(deps.db, deps.llm, deps.breaker, facts);
      items.push({
        project: p.project,
        id: p.id,
        pattern,
        extractor: "llm",
        needsReextract: false,
        value: p.value,
        source: p.source,
        tags: p.tags,
        eventId: sourceId,
      });
    } catch (err) {
      if (err instanceof DependencyUnavailableError) break;
    }
  }
  await embedAndUpsert(deps, items, now);
  await commitTogether(deps.db, storePatternsStatements(deps.db, items, now));
  return items.length;
}

/**
 * Embeds the next page of patterns into the configured model's collection
 * while it is filling, and makes it the one searches read once it is
 * complete. Returns how many patterns were embedded.
 */
export async function fillNewCollection(deps: PatternDeps, pageSize: number, now: number): Promise<number> {
  const plan = await planCollections(deps.db, PATTERN_KIND, deps.embedder.model, deps.embedder.dimension, now);
  if (plan.write.status !== "filling") return 0;
  const page = await patternsAfter(deps.db, plan.write.cursor, pageSize);
  const vectors = await deps.embedder.embed(page.map((p) => patternSearchText(p)));
  await deps.storeFor(plan.write).upsert(
    page.flatMap((p, i) => {
      const vector = vectors[i];
      return vector ? [patternPoint(p, vector)] : [];
    }),
  );
  const cursor = page.at(-1)?.seq ?? plan.write.cursor;
  await commitTogether(deps.db, advanceFillStatements(deps.db, plan.write, cursor, page.length < pageSize));
  return page.length;
}

import { DependencyUnavailableError } from "../adapters/breaker";
import { findEvent } from "../adapters/event-store";
import { extractWithLlm } from "../adapters/llm-extractor";
import { markExtractionsEnqueued, patternsAfter, patternsNeedingReextract, staleExtractions, storePatternsStatements, type PatternToStore } from "../adapters/pattern-store";
import { advanceFillStatements, planCollections } from "../adapters/vector-collections";
import { readConfig } from "../config";
import { patternSearchText } from "../domain/patterns/pattern";
import { upcastEvent } from "../domain/upcast";
import type { Env } from "../env";
import { embedAndUpsert, factsOf, PATTERN_KIND } from "../pipeline/extract-patterns";
import { createPatternDeps, type PatternDeps } from "../pipeline/pattern-deps";

/**
 * The `patterns` job: re-sends extractions nobody finished (the extract
 * outbox relay), re-extracts fallback patterns with the LLM once it answers
 * again, and fills a new model's collection page by page, switching reads to
 * it only when it is complete.
 */
export async function maintainPatterns(env: Env, params: Record<string, unknown> = {}) {
  const config = readConfig(env);
  const deps = createPatternDeps(env);
  const now = Date.now();
  const olderThan = typeof params.older_than_seconds === "number" ? params.older_than_seconds : config.RELAY_AFTER_SECONDS;
  return {
    extractions_relayed: await relayExtractions(env, now - olderThan * 1000, config.RELAY_MAX_BATCHES),
    reextracted: await reextractFallbacks(deps, env, config.PATTERNS_PAGE_SIZE, now),
    reembedded: await fillNewCollection(deps, config.PATTERNS_PAGE_SIZE, now),
  };
}

async function relayExtractions(env: Env, cutoff: number, limit: number): Promise<number> {
  const stale = await staleExtractions(env.DB, cutoff, limit);
  for (const [project, rows] of Map.groupBy(stale, (r) => r.project)) {
    for (let i = 0; i < rows.length; i += 100) {
      await env.EXTRACT_QUEUE.send({ kind: "extract", project, event_ids: rows.slice(i, i + 100).map((r) => r.event_id) });
    }
  }
  if (stale.length) await markExtractionsEnqueued(env.DB, stale, Date.now());
  return stale.length;
}

async function reextractFallbacks(deps: PatternDeps, env: Env, pageSize: number, now: number): Promise<number> {
  if (!deps.llm) return 0;
  const items: PatternToStore[] = [];
  for (const p of await patternsNeedingReextract(env.DB, pageSize)) {
    const sourceId = p.source_event_ids[0];
    const record = sourceId ? await findEvent(env.DB, p.project, sourceId) : null;
    const facts = record ? factsOf({ ...record, event: upcastEvent(record.event, record.schemaVersion) }) : null;
    if (!facts || !sourceId) continue;
    try {
      const pattern = await extractWithLlm(env.DB, deps.llm, deps.breaker, facts);
      items.push({ project: p.project, id: p.id, pattern, extractor: "llm", needsReextract: false, value: p.value, source: p.source, tags: p.tags, eventId: sourceId });
    } catch (err) {
      if (err instanceof DependencyUnavailableError) break;
    }
  }
  await embedAndUpsert(deps, items, now);
  if (items.length) await env.DB.batch(storePatternsStatements(env.DB, items, now));
  return items.length;
}

async function fillNewCollection(deps: PatternDeps, pageSize: number, now: number): Promise<number> {
  const plan = await planCollections(deps.db, PATTERN_KIND, deps.embedder.model, deps.embedder.dimension, now);
  if (plan.write.status !== "filling") return 0;
  const page = await patternsAfter(deps.db, plan.write.cursor, pageSize);
  const vectors = await deps.embedder.embed(page.map((p) => patternSearchText(p)));
  await deps.storeFor(plan.write).upsert(
    page.flatMap((p, i) =>
      vectors[i] ? [{ id: p.id, project: p.project, vector: vectors[i]!, payload: { pattern_id: p.id, source: p.source, tags: p.tags, value: p.value } }] : [],
    ),
  );
  const cursor = page.length ? page[page.length - 1]!.seq : plan.write.cursor;
  await deps.db.batch(advanceFillStatements(deps.db, plan.write, cursor, page.length < pageSize));
  return page.length;
}

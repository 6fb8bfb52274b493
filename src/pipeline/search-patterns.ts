import { findPatterns, publicPattern } from "../adapters/pattern-store";
import { planCollections } from "../adapters/vector-collections";
import { compareSearchHits } from "../domain/patterns/consolidate";
import { PATTERN_KIND, type PatternDeps } from "./extract-patterns";

/** A search by meaning: the text, how many results, and payload filters. */
export interface PatternQuery {
  q: string;
  k: number;
  min_support?: number | undefined;
  filters?: { source?: string | undefined; tags?: string[] | undefined; min_value?: number | undefined; min_support?: number | undefined } | undefined;
}

/** Extra hits fetched past `k`, so patterns tied in similarity with the k-th can still win on support and quality. */
const TIE_MARGIN = 10;

/**
 * The `k` patterns of a project nearest in meaning to `q`, with their
 * provenance and consolidation. The query is embedded in the space of the
 * collection searches read (the complete one during a model change): one
 * embedding call, one vector search. Ranked by similarity; similarities
 * within 1e-6 tie and are ordered by support, then quality
 * (docs/patterns.md). Throws DependencyUnavailableError when the embedder or
 * the vector store is unavailable.
 *
 * @example
 * const found = await searchPatterns(patternDeps(env, config), project, { q: "rotate logs", k: 5 }, Date.now());
 */
export async function searchPatterns(deps: PatternDeps, project: string, query: PatternQuery, now: number) {
  const { read } = await planCollections(deps.db, PATTERN_KIND, deps.embedder.model, deps.embedder.dimension, now);
  const [vector] = await deps.embedderFor(read).embed([query.q]);
  if (!vector) return { results: [] };
  const filters = query.filters;
  const minSupport = Math.max(query.min_support ?? 1, filters?.min_support ?? 1);
  const filter = {
    ...(filters?.source ? { source: filters.source } : {}),
    ...(filters?.tags ? { tags: filters.tags } : {}),
    ...(filters?.min_value !== undefined ? { minValue: filters.min_value } : {}),
    ...(minSupport > 1 ? { minSupport } : {}),
  };
  const [hits = []] = await deps
    .storeFor(read)
    .searchBatch([{ project, vector, limit: query.k + TIE_MARGIN, ...(Object.keys(filter).length ? { filter } : {}) }]);
  const patterns = await findPatterns(
    deps.db,
    project,
    hits.map((h) => h.id),
  );
  const ranked = hits
    .flatMap((h) => {
      const p = patterns.get(h.id);
      // D1 is the truth for support: a point's payload may lag behind a merge.
      return p && p.support >= minSupport ? [{ id: h.id, score: h.score, support: p.support, quality: p.quality, pattern: publicPattern(p) }] : [];
    })
    .sort(compareSearchHits)
    .slice(0, query.k);
  return {
    collection: read.name,
    results: ranked.map(({ id, score, pattern }) => ({ id, score, pattern })),
  };
}

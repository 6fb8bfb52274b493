import { findPatterns } from "../adapters/pattern-store";
import { planCollections } from "../adapters/vector-collections";
import { PATTERN_KIND, type PatternDeps } from "./extract-patterns";

/** A search by meaning: the text, how many results, and payload filters. */
export interface PatternQuery {
  q: string;
  k: number;
  filters?: { source?: string; tags?: string[]; min_value?: number };
}

/**
 * The `k` patterns of a project nearest in meaning to `q`, with their
 * provenance. The query is embedded in the space of the collection searches
 * read (the complete one during a model change): one embedding call, one
 * vector search. Throws DependencyUnavailableError when the embedder or the
 * vector store is unavailable.
 *
 * @example
 * const found = await searchPatterns(patternDeps(env, config), project, { q: "rotate logs", k: 5 }, Date.now());
 */
export async function searchPatterns(deps: PatternDeps, project: string, query: PatternQuery, now: number) {
  const { read } = await planCollections(deps.db, PATTERN_KIND, deps.embedder.model, deps.embedder.dimension, now);
  const [vector] = await deps.embedderFor(read).embed([query.q]);
  if (!vector) return { results: [] };
  const filters = query.filters;
  const [hits = []] = await deps.storeFor(read).searchBatch([
    {
      project,
      vector,
      limit: query.k,
      ...(filters
        ? {
            filter: {
              ...(filters.source ? { source: filters.source } : {}),
              ...(filters.tags ? { tags: filters.tags } : {}),
              ...(filters.min_value !== undefined ? { minValue: filters.min_value } : {}),
            },
          }
        : {}),
    },
  ]);
  const patterns = await findPatterns(
    deps.db,
    project,
    hits.map((h) => h.id),
  );
  return {
    collection: read.name,
    results: hits.flatMap((h) => {
      const p = patterns.get(h.id);
      if (!p) return [];
      const { project: _project, seq: _seq, ...pattern } = p;
      return [{ id: h.id, score: h.score, pattern }];
    }),
  };
}

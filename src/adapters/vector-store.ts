/** A point in a collection: a vector with its payload, scoped to a project. */
export interface VectorPoint {
  id: string;
  project: string;
  vector: Float32Array;
  payload: Record<string, unknown>;
}

export interface VectorQuery {
  project: string;
  vector: Float32Array;
  limit: number;
  /** Point ids never to return (the query's own point, a chunk's own points); `limit` counts the other points. */
  excludeIds?: readonly string[];
  /** Payload filters: exact source, any of the tags, value at least, support at least (a point without `support` counts as 1). */
  filter?: { source?: string; tags?: readonly string[]; minValue?: number; minSupport?: number };
}

export interface VectorHit {
  id: string;
  score: number;
}

/**
 * What the pipeline needs of a vector store. `searchBatch` answers many queries
 * in one call: scoring and dedup never query once per event (no N+1).
 */
export interface VectorStore {
  /** Named by content, embedding model and dimension: spaces never mix. */
  readonly collection: string;
  upsert(points: readonly VectorPoint[]): Promise<void>;
  searchBatch(queries: readonly VectorQuery[]): Promise<VectorHit[][]>;
}

/** Collection name for a kind of content embedded by a model of a dimension. */
export function collectionName(kind: string, model: string, dimension: number): string {
  return `${kind}__${model.replace(/[^A-Za-z0-9._-]/g, "_")}__${dimension}`;
}

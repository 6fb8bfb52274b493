/**
 * Neighbour scores of query texts, by SHA-256 of the text, per collection and
 * project: a text seen before is scored without a vector search.
 */
export async function readSimilarityCache(db: D1Database, collection: string, project: string, hashes: readonly string[]): Promise<Map<string, number[]>> {
  if (hashes.length === 0) return new Map();
  const { results } = await db
    .prepare("SELECT text_hash, neighbours FROM similarity_cache WHERE collection = ?1 AND project = ?2 AND text_hash IN (SELECT value FROM json_each(?3))")
    .bind(collection, project, JSON.stringify(hashes))
    .all<{ text_hash: string; neighbours: string }>();
  return new Map(results.map((r) => [r.text_hash, JSON.parse(r.neighbours) as number[]]));
}

/** Adds neighbour scores by text hash (an existing entry stays); commit it with the scores that used them. */
export function cacheSimilarityStatement(
  db: D1Database,
  collection: string,
  project: string,
  neighbours: ReadonlyMap<string, number[]>,
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO similarity_cache (collection, project, text_hash, neighbours, created_at)
       SELECT ?1, ?2, value ->> '$[0]', value ->> '$[1]', ?3 FROM json_each(?4) WHERE true
       ON CONFLICT DO NOTHING`,
    )
    .bind(collection, project, now, JSON.stringify([...neighbours].map(([hash, scores]) => [hash, JSON.stringify(scores)])));
}

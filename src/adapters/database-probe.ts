/**
 * Asks D1 a real query, so a readiness check proves the database answers,
 * and returns its size as D1 reports it after the query. Throws when D1 fails.
 */
export async function probeDatabase(db: D1Database): Promise<{ sizeBytes: number }> {
  const res = await db.prepare("SELECT 1 AS one").run();
  return { sizeBytes: res.meta.size_after };
}

/**
 * Commits statements built by adapters in one D1 batch: one transaction, all
 * or nothing. The caller decides what must land together (a page's scores
 * with the cursor that covers them); the adapters that built the statements
 * hold the SQL. Nothing to commit is no call at all (D1 refuses an empty batch).
 *
 * @example
 * await commitTogether(env.DB, [advanceCursorStatement(env.DB, cursor, seq, now), ...scored.statements]);
 */
export async function commitTogether(db: D1Database, statements: readonly D1PreparedStatement[]): Promise<D1Result[]> {
  if (statements.length === 0) return [];
  return db.batch([...statements]);
}

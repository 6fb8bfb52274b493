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

/**
 * Two reads in one D1 batch: one round trip, one snapshot, each with its own
 * row type (a D1 batch has one for all its statements).
 *
 * @example
 * const [profiles, rules] = await readTogether<ProfileRow, RuleRow>(db, db.prepare("SELECT …"), db.prepare("SELECT …"));
 */
export async function readTogether<A, B>(db: D1Database, a: D1PreparedStatement, b: D1PreparedStatement): Promise<[A[], B[]]> {
  const [first, second] = await db.batch([a, b]);
  if (!first || !second) throw new Error(`D1 answered a batch of 2 statements with ${first ? 1 : 0} results`);
  // Row types are the caller's word for its SELECT, as with `.all<T>()`: D1 does not check them.
  return [first.results as A[], second.results as B[]];
}

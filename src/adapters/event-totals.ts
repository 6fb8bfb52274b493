/** How many events are stored, and how many of those a consumer has finished. */
export async function countEvents(db: D1Database): Promise<{ total: number; processed: number }> {
  const row = await db
    .prepare("SELECT count(*) AS total, coalesce(sum(status = 'processed'), 0) AS processed FROM events")
    .first<{ total: number; processed: number }>();
  return row ?? { total: 0, processed: 0 };
}

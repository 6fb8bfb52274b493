import { incrementCounter } from "./counters";

export interface PendingBatch {
  batch_id: string;
  project: string;
}

/** Chunks not finished and last enqueued before `cutoff`, oldest first. Relayed rows get `enqueued_at = now >= cutoff`, so one run never picks a chunk twice. */
export async function listStaleBatches(db: D1Database, cutoff: number, limit: number): Promise<PendingBatch[]> {
  const { results } = await db
    .prepare("SELECT batch_id, project FROM ingest_batches WHERE done_at IS NULL AND enqueued_at < ?1 ORDER BY enqueued_at, batch_id LIMIT ?2")
    .bind(cutoff, limit)
    .all<PendingBatch>();
  return results;
}

/**
 * How far the queue has got: the latest `enqueued_at` among the chunks finished at or after `since`, or null when
 * none was (the consumer finished nothing in that time: stalled, or its messages are gone).
 */
export async function latestFinishedEnqueue(db: D1Database, since: number): Promise<number | null> {
  const row = await db.prepare("SELECT max(enqueued_at) AS at FROM ingest_batches WHERE done_at >= ?1").bind(since).first<{ at: number | null }>();
  return row?.at ?? null;
}

/** Records that chunks were enqueued again, so the next relay waits the full delay. */
export async function markRelayed(db: D1Database, batchIds: string[], now: number): Promise<void> {
  await db.batch([
    db
      .prepare(
        "UPDATE ingest_batches SET enqueued_at = ?1, relay_count = relay_count + 1 WHERE batch_id IN (SELECT value FROM json_each(?2)) AND done_at IS NULL",
      )
      .bind(now, JSON.stringify(batchIds)),
    incrementCounter(db, "relayed_batches_total", batchIds.length),
  ]);
}

/** How much accepted work is not finished yet, and since when. */
export async function pendingSummary(db: D1Database): Promise<{ batches: number; events: number; oldestCreatedAt: number | null }> {
  const row = await db
    .prepare("SELECT count(*) AS batches, coalesce(sum(event_count), 0) AS events, min(created_at) AS oldest FROM ingest_batches WHERE done_at IS NULL")
    .first<{ batches: number; events: number; oldest: number | null }>();
  return { batches: row?.batches ?? 0, events: row?.events ?? 0, oldestCreatedAt: row?.oldest ?? null };
}

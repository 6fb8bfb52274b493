import type { ArchiveManifest } from "./archive";
import { recordArchiveStatement } from "./archive-index";
import { incrementCounter } from "./counters";
import { EVENT_COLUMNS, toRecord, type EventRecord, type EventRow } from "./event-store";

/** A page of a project's processed events received before `cutoff`, in server order: the next archive's content. */
export async function expiredProcessedEvents(db: D1Database, project: string, cutoff: number, limit: number): Promise<EventRecord[]> {
  const { results } = await db
    .prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE project = ?1 AND status = 'processed' AND received_at < ?2 ORDER BY seq LIMIT ?3`)
    .bind(project, cutoff, limit)
    .all<EventRow>();
  return results.map(toRecord);
}

/**
 * Replaces archived events by their archive in one transaction: the index
 * row, the delete (of processed events only) and the counter. Returns how
 * many events were deleted.
 */
export async function deleteArchivedEvents(db: D1Database, manifest: ArchiveManifest, seqs: readonly number[], now: number): Promise<number> {
  const [, deleted] = await db.batch([
    recordArchiveStatement(db, manifest, now),
    db
      .prepare("DELETE FROM events WHERE project = ?1 AND seq IN (SELECT value FROM json_each(?2)) AND status = 'processed' RETURNING seq")
      .bind(manifest.project, JSON.stringify(seqs)),
    incrementCounter(db, "archived_events_total", seqs.length),
  ]);
  // RETURNING, not meta.changes: D1 counts the rows the search index's triggers write too.
  return deleted?.results.length ?? 0;
}

/**
 * Deletes a project's derived rows older than `cutoff`, in one transaction:
 * scores and feedback of events that are gone, finished extractions, and the
 * similarity cache. Returns how many rows.
 */
export async function deleteExpiredDerived(db: D1Database, project: string, cutoff: number): Promise<number> {
  const results = await db.batch([
    db
      .prepare("DELETE FROM event_scores WHERE project = ?1 AND scored_at < ?2 AND event_id NOT IN (SELECT event_id FROM events WHERE project = ?1)")
      .bind(project, cutoff),
    db.prepare("DELETE FROM extractions WHERE project = ?1 AND status = 'done' AND updated_at < ?2").bind(project, cutoff),
    db
      .prepare(
        "DELETE FROM feedback WHERE project = ?1 AND received_at < ?2 AND coalesce(event_id, '') NOT IN (SELECT event_id FROM events WHERE project = ?1)",
      )
      .bind(project, cutoff),
    db.prepare("DELETE FROM similarity_cache WHERE project = ?1 AND created_at < ?2").bind(project, cutoff),
  ]);
  return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}

/** GenAI log records received before `cutoff` (the raw-events window): joined ones live on in their event, the others waited long enough. */
export async function deleteLogRecordsBefore(db: D1Database, project: string, cutoff: number): Promise<number> {
  const result = await db.prepare("DELETE FROM otlp_log_records WHERE project = ?1 AND received_at < ?2").bind(project, cutoff).run();
  return result.meta.changes ?? 0;
}

/** Keeps a project's newest `keep` interaction vectors (every interactions collection) and deletes the rest; returns how many. */
export async function pruneInteractionVectors(db: D1Database, project: string, keep: number): Promise<number> {
  const res = await db
    .prepare(
      `DELETE FROM vectors WHERE collection GLOB 'interactions__*' AND project = ?1 AND seq <= coalesce(
         (SELECT seq FROM vectors WHERE collection GLOB 'interactions__*' AND project = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2), 0)`,
    )
    .bind(project, keep)
    .run();
  return res.meta.changes ?? 0;
}

/** Deletes dead letters parked before `cutoff`, of every project; returns how many. */
export async function deleteDeadLettersBefore(db: D1Database, cutoff: number): Promise<number> {
  const res = await db.prepare("DELETE FROM dead_letters WHERE created_at < ?1").bind(cutoff).run();
  return res.meta.changes ?? 0;
}

/** Deletes history rows past their resolution's window (minute rows before `minuteCutoff`, hour rows before `hourCutoff`); returns how many. */
export async function pruneMetricsHistory(db: D1Database, minuteCutoff: number, hourCutoff: number): Promise<number> {
  const results = await db.batch([
    db.prepare("DELETE FROM metrics_minutes WHERE minute < ?1").bind(minuteCutoff),
    db.prepare("DELETE FROM metrics_hours WHERE hour < ?1").bind(hourCutoff),
  ]);
  return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}

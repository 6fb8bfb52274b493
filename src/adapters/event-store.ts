import { CURRENT_SCHEMA_VERSION, type StoredEvent } from "../domain/event-schema";
import type { ValidEvent } from "../domain/ingest-batch";
import { incrementCounter } from "./counters";

/**
 * Writes a whole chunk with one statement: the events travel as one JSON
 * parameter expanded by json_each. Local D1 refuses more than 100 bound
 * parameters per statement and statement count dominates cost, so this beats
 * multi-row VALUES lists. ON CONFLICT makes a replayed request a no-op. No
 * RETURNING: handing 100 ids back per chunk cost the worker more than the
 * insert's own JavaScript (profile in bench/results/2026-12-01-ingest-bare-d1.md);
 * the chunk's batch row counts what was new instead (see storeChunks).
 */
const INSERT_CHUNK = `
INSERT INTO events (project, event_id, batch_id, schema_version, type, source, client_timestamp,
                    client_time_ms, interaction_id, received_at, status, payload)
SELECT ?1, e.value ->> '$[1].id', ?2, ?3, e.value ->> '$[1].type', e.value ->> '$[1].source',
       e.value ->> '$[1].timestamp', e.value ->> '$[0]', e.value ->> '$[1].interaction_id', ?4, 'received',
       e.value -> '$[1]'
FROM json_each(?5) AS e WHERE true
ON CONFLICT (project, event_id) DO NOTHING`;

const INSERT_BATCH_ROW = `
INSERT INTO ingest_batches (batch_id, project, event_count, created_at, enqueued_at)
SELECT ?1, ?2, count(*), ?3, ?3 FROM events WHERE batch_id = ?1 HAVING count(*) > 0
RETURNING event_count`;

export interface ChunkToStore {
  batchId: string;
  events: ValidEvent[];
}

/**
 * Commits all chunks of one request in one D1 batch (a transaction), with its
 * counters and the statements in `alongWith`.
 * Returns the ids that were new and the chunks that stored at least one event.
 */
export async function storeChunks(
  db: D1Database,
  project: string,
  chunks: ChunkToStore[],
  receivedAt: number,
  tally: { rejected: number; repeatedInRequest: number },
  alongWith: readonly D1PreparedStatement[] = [],
): Promise<{ inserted: Set<string>; storedBatchIds: string[] }> {
  const statements: D1PreparedStatement[] = [];
  for (const chunk of chunks) {
    const param = `[${chunk.events.map((e) => `[${e.clientTimeMs},${e.json}]`).join(",")}]`;
    statements.push(db.prepare(INSERT_CHUNK).bind(project, chunk.batchId, CURRENT_SCHEMA_VERSION, receivedAt, param));
    statements.push(db.prepare(INSERT_BATCH_ROW).bind(chunk.batchId, project, receivedAt));
  }
  const candidates = chunks.reduce((n, c) => n + c.events.length, 0);
  // Both counters in one statement: events received, and duplicates (valid events that hit an existing id,
  // plus ids repeated within the request). The chunks' batch rows (just written, by primary key) hold the new counts.
  statements.push(
    db
      .prepare(
        `WITH stored AS (SELECT coalesce(sum(event_count), 0) AS n FROM ingest_batches WHERE batch_id IN (SELECT value FROM json_each(?1)))
         INSERT INTO counters (name, labels, value)
         SELECT 'events_received_total', '', n FROM stored
         UNION ALL SELECT 'duplicates_total', '', ?2 - n FROM stored WHERE true
         ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value`,
      )
      .bind(JSON.stringify(chunks.map((c) => c.batchId)), candidates + tally.repeatedInRequest),
  );
  if (tally.rejected > 0) statements.push(incrementCounter(db, "events_rejected_total", tally.rejected, 'reason="invalid"'));
  statements.push(...alongWith);
  const results = await db.batch<{ event_count: number }>(statements);
  const inserted = new Set<string>();
  const storedBatchIds: string[] = [];
  /** Chunks where some ids already existed: which were new is read back (rare: a replayed or overlapping request). */
  const partial: ChunkToStore[] = [];
  chunks.forEach((chunk, i) => {
    const count = results[i * 2 + 1]?.results[0]?.event_count ?? 0;
    if (count === 0) return;
    storedBatchIds.push(chunk.batchId);
    if (count === chunk.events.length) for (const e of chunk.events) inserted.add(e.id);
    else partial.push(chunk);
  });
  if (partial.length > 0) {
    // The rows carrying a chunk's (fresh, random) batch id are exactly the ones this insert wrote:
    // ON CONFLICT DO NOTHING leaves an existing row's batch id as it was.
    const read = await db.batch<{ event_id: string }>(
      partial.map((c) => db.prepare("SELECT event_id FROM events WHERE batch_id = ?1 AND project = ?2").bind(c.batchId, project)),
    );
    for (const r of read) for (const row of r.results) inserted.add(row.event_id);
  }
  return { inserted, storedBatchIds };
}

/** A stored event row as readers see it. */
export interface EventRecord {
  seq: number;
  project: string;
  eventId: string;
  schemaVersion: number;
  status: "received" | "processed";
  receivedAt: number;
  processedAt: number | null;
  event: StoredEvent;
}

export interface EventRow {
  seq: number;
  project: string;
  event_id: string;
  schema_version: number;
  status: "received" | "processed";
  received_at: number;
  processed_at: number | null;
  payload: string;
}

export function toRecord(row: EventRow): EventRecord {
  return {
    seq: row.seq,
    project: row.project,
    eventId: row.event_id,
    schemaVersion: row.schema_version,
    status: row.status,
    receivedAt: row.received_at,
    processedAt: row.processed_at,
    event: { ...(JSON.parse(row.payload) as StoredEvent), schema_version: row.schema_version },
  };
}

export const EVENT_COLUMNS = "seq, project, event_id, schema_version, status, received_at, processed_at, payload";

export async function findEvent(db: D1Database, project: string, eventId: string): Promise<EventRecord | null> {
  const row = await db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE project = ?1 AND event_id = ?2`).bind(project, eventId).first<EventRow>();
  return row ? toRecord(row) : null;
}

/** The stored events with these ids (or of these interactions), whatever their status. */
export async function findEvents(db: D1Database, project: string, eventIds: readonly string[], interactionIds: readonly string[] = []): Promise<EventRecord[]> {
  if (eventIds.length === 0 && interactionIds.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE project = ?1
       AND (event_id IN (SELECT value FROM json_each(?2)) OR interaction_id IN (SELECT value FROM json_each(?3))) ORDER BY seq`,
    )
    .bind(project, JSON.stringify(eventIds), JSON.stringify(interactionIds))
    .all<EventRow>();
  return results.map(toRecord);
}

/** The unfinished events of one chunk, in server order. A chunk holds at most CHUNK_MAX_EVENTS. */
export async function loadUnprocessedChunk(db: D1Database, batchId: string): Promise<EventRecord[]> {
  const { results } = await db
    .prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE batch_id = ?1 AND status = 'received' ORDER BY seq`)
    .bind(batchId)
    .all<EventRow>();
  return results.map(toRecord);
}

/**
 * Marks a chunk finished, counting each event exactly once: the counter adds
 * only rows still `received`, in the same transaction that flips them. The
 * statements in `alongWith` (the chunk's scores) commit in that transaction too.
 */
export async function markChunkProcessed(db: D1Database, batchId: string, now: number, alongWith: readonly D1PreparedStatement[] = []): Promise<number> {
  const [, flipped] = await db.batch([
    db
      .prepare(
        `INSERT INTO counters (name, labels, value)
         SELECT 'events_processed_total', '', count(*) FROM events WHERE batch_id = ?1 AND status = 'received' AND true
         ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value`,
      )
      .bind(batchId),
    db.prepare("UPDATE events SET status = 'processed', processed_at = ?2 WHERE batch_id = ?1 AND status = 'received'").bind(batchId, now),
    db.prepare("UPDATE ingest_batches SET done_at = ?2 WHERE batch_id = ?1 AND done_at IS NULL").bind(batchId, now),
    ...alongWith,
  ]);
  return flipped?.meta.changes ?? 0;
}

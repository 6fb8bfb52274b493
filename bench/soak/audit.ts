import { readdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

/** The SQLite file Miniflare keeps the D1 database in, under the data dir. */
export function d1File(dataDir: string): string {
  const dir = join(dataDir, "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database under ${dir}`);
  return join(dir, file);
}

export interface Ledger {
  /** Accepted ids (the producer's ledger) missing from the store. */
  lost: number;
  /** Rows beyond one per identity. */
  duplicated: number;
  stored: number;
}

export interface Audit {
  events: Ledger & { unprocessed: number };
  scores: Ledger;
  patterns: Ledger & { highValue: number; awaitingReextraction: number };
  datasetExamples: Ledger & { orphans: number };
  counters: { received: number; processed: number; scored: number; exactlyOnce: boolean };
}

const one = <T>(db: Database.Database, sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as T;

/**
 * Reads the D1 file (Gleaner stopped) and checks the producer's ledger
 * against it: every accepted event stored once and processed, one ingest
 * score per event, a pattern for every high-value event, no dataset example
 * twice, none without its event, and every processed event passed by each
 * dataset's cursor (one it skipped is lost to datasets), and the
 * counters equal to the rows (each event counted exactly once).
 */
export function auditStore(dataDir: string, project: string, accepted: ReadonlySet<string>): Audit {
  const db = new Database(d1File(dataDir), { readonly: true, fileMustExist: true });
  try {
    const storedIds = new Set((db.prepare("SELECT event_id FROM events WHERE project = ?").pluck().all(project) as string[]));
    const rows = one<{ n: number; distinct_n: number; unprocessed: number }>(
      db,
      "SELECT count(*) AS n, count(DISTINCT event_id) AS distinct_n, coalesce(sum(status <> 'processed'), 0) AS unprocessed FROM events WHERE project = ?",
      project,
    );
    let lost = 0;
    for (const id of accepted) if (!storedIds.has(id)) lost++;

    const scores = one<{ n: number; distinct_n: number }>(
      db,
      "SELECT count(*) AS n, count(DISTINCT event_id) AS distinct_n FROM event_scores WHERE project = ? AND reason = 'ingest'",
      project,
    );
    const unscored = one<{ n: number }>(
      db,
      "SELECT count(*) AS n FROM events e WHERE e.project = ? AND NOT EXISTS (SELECT 1 FROM event_scores s WHERE s.project = e.project AND s.event_id = e.event_id)",
      project,
    ).n;

    const highValue = one<{ n: number }>(db, "SELECT count(DISTINCT event_id) AS n FROM event_scores WHERE project = ? AND high_value = 1", project).n;
    const withoutPattern = one<{ n: number }>(
      db,
      `SELECT count(DISTINCT s.event_id) AS n FROM event_scores s WHERE s.project = ? AND s.high_value = 1
       AND NOT EXISTS (SELECT 1 FROM pattern_sources p WHERE p.project = s.project AND p.event_id = s.event_id)`,
      project,
    ).n;
    const sources = one<{ n: number; distinct_n: number }>(
      db,
      "SELECT count(*) AS n, count(DISTINCT pattern_id || char(0) || event_id) AS distinct_n FROM pattern_sources WHERE project = ?",
      project,
    );
    const patterns = one<{ n: number; distinct_n: number; reextract: number }>(
      db,
      "SELECT count(*) AS n, count(DISTINCT pattern_id) AS distinct_n, coalesce(sum(needs_reextract), 0) AS reextract FROM patterns WHERE project = ?",
      project,
    );

    const examples = one<{ n: number; by_event: number; by_hash: number }>(
      db,
      `SELECT count(*) AS n, count(DISTINCT dataset || char(0) || event_id) AS by_event, count(DISTINCT dataset || char(0) || content_hash) AS by_hash
       FROM dataset_examples WHERE project = ?`,
      project,
    );
    const orphanExamples = one<{ n: number }>(
      db,
      "SELECT count(*) AS n FROM dataset_examples d WHERE d.project = ? AND NOT EXISTS (SELECT 1 FROM events e WHERE e.project = d.project AND e.event_id = d.event_id)",
      project,
    ).n;
    const unscanned = one<{ n: number }>(
      db,
      "SELECT count(*) AS n FROM datasets d JOIN events e ON e.project = d.project WHERE d.project = ? AND e.status = 'processed' AND e.seq > d.cursor",
      project,
    ).n;

    const counter = (name: string) => one<{ v: number } | undefined>(db, "SELECT coalesce(sum(value), 0) AS v FROM counters WHERE name = ?", name)?.v ?? 0;
    const received = counter("events_received_total");
    const processed = counter("events_processed_total");
    const scored = one<{ v: number }>(db, "SELECT coalesce(sum(value), 0) AS v FROM counters WHERE name = 'events_scored_total' AND labels = 'reason=\"ingest\"'").v;
    const total = one<{ n: number }>(db, "SELECT count(*) AS n FROM events").n;
    const processedRows = one<{ n: number }>(db, "SELECT count(*) AS n FROM events WHERE status = 'processed'").n;
    const scoredEvents = one<{ n: number }>(db, "SELECT count(DISTINCT project || char(0) || event_id) AS n FROM event_scores WHERE reason = 'ingest'").n;

    return {
      events: { stored: rows.n, lost, duplicated: rows.n - rows.distinct_n, unprocessed: rows.unprocessed },
      scores: { stored: scores.n, lost: unscored, duplicated: scores.n - scores.distinct_n },
      patterns: { stored: patterns.n, highValue, awaitingReextraction: patterns.reextract, lost: withoutPattern, duplicated: patterns.n - patterns.distinct_n + (sources.n - sources.distinct_n) },
      datasetExamples: { stored: examples.n, lost: unscanned, duplicated: examples.n - Math.min(examples.by_event, examples.by_hash), orphans: orphanExamples },
      counters: { received, processed, scored, exactlyOnce: received === total && processed === processedRows && scored === scoredEvents },
    };
  } finally {
    db.close();
  }
}

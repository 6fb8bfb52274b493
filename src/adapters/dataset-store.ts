import { datasetRulesSchema, type DatasetRules } from "../domain/datasets/rules";
import { labelValue } from "../domain/prometheus";
import { EVENT_COLUMNS, toRecord, type EventRecord, type EventRow } from "./event-store";

export interface DatasetRow {
  project: string;
  name: string;
  rules: DatasetRules;
  currentVersion: number | null;
  cursor: number;
}

interface RawDatasetRow {
  project: string;
  name: string;
  rules: string;
  current_version: number | null;
  cursor: number;
}

const toDataset = (r: RawDatasetRow): DatasetRow => ({
  project: r.project,
  name: r.name,
  rules: datasetRulesSchema.parse(JSON.parse(r.rules)),
  currentVersion: r.current_version,
  cursor: r.cursor,
});

export async function upsertDataset(db: D1Database, project: string, name: string, rules: DatasetRules, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO datasets (project, name, rules, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
       ON CONFLICT (project, name) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at`,
    )
    .bind(project, name, JSON.stringify(rules), now)
    .run();
}

/** Every project with a key gets a `default` dataset with the default rules. */
export async function ensureDefaultDatasets(db: D1Database, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO datasets (project, name, rules, created_at, updated_at)
       SELECT DISTINCT project, 'default', ?1, ?2, ?2 FROM api_keys WHERE true ON CONFLICT DO NOTHING`,
    )
    .bind(JSON.stringify(datasetRulesSchema.parse({})), now)
    .run();
}

export async function listDatasets(db: D1Database, project?: string): Promise<DatasetRow[]> {
  const { results } = await db
    .prepare("SELECT project, name, rules, current_version, cursor FROM datasets WHERE ?1 IS NULL OR project = ?1 ORDER BY project, name")
    .bind(project ?? null)
    .all<RawDatasetRow>();
  return results.map(toDataset);
}

export async function findDataset(db: D1Database, project: string, name: string): Promise<DatasetRow | null> {
  const row = await db
    .prepare("SELECT project, name, rules, current_version, cursor FROM datasets WHERE project = ?1 AND name = ?2")
    .bind(project, name)
    .first<RawDatasetRow>();
  return row ? toDataset(row) : null;
}

export interface Candidate {
  record: EventRecord;
  value: number | null;
  confidence: number;
  profile: string;
}

/**
 * The next page of processed events after the dataset's cursor, each with its
 * latest score. It stops before the first event still being processed, so
 * the cursor never passes an event that is not scored yet.
 */
export async function candidatesAfter(db: D1Database, project: string, cursor: number, limit: number): Promise<Candidate[]> {
  const { results } = await db
    .prepare(
      `SELECT ${EVENT_COLUMNS.split(", ")
        .map((c) => `e.${c}`)
        .join(", ")}, s.value AS score_value, s.confidence AS score_confidence, s.profile AS score_profile
       FROM events e
       LEFT JOIN event_scores s ON s.rowid = (
         SELECT s2.rowid FROM event_scores s2 WHERE s2.project = e.project AND s2.event_id = e.event_id ORDER BY s2.scored_at DESC, s2.rowid DESC LIMIT 1)
       WHERE e.project = ?1 AND e.seq > ?2 AND e.status = 'processed'
         AND e.seq < coalesce((SELECT min(seq) FROM events WHERE project = ?1 AND status = 'received'), 9007199254740991)
       ORDER BY e.seq LIMIT ?3`,
    )
    .bind(project, cursor, limit)
    .all<EventRow & { score_value: number | null; score_confidence: number | null; score_profile: string | null }>();
  return results.map((r) => ({
    record: toRecord(r),
    value: r.score_value,
    confidence: r.score_confidence ?? 0,
    profile: r.score_profile ?? "default",
  }));
}

export interface ExampleToStore {
  contentHash: string;
  eventId: string;
  line: string;
  bytes: number;
}

/** Stores examples (exact duplicates by content hash are ignored) and moves the cursor, in one transaction. */
export async function storeExamples(db: D1Database, ds: DatasetRow, examples: readonly ExampleToStore[], cursor: number, now: number): Promise<number> {
  const [insert] = await db.batch([
    db
      .prepare(
        `INSERT INTO dataset_examples (project, dataset, content_hash, event_id, line, bytes, added_at)
         SELECT ?1, ?2, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', ?3 FROM json_each(?4) WHERE true
         ON CONFLICT DO NOTHING`,
      )
      .bind(ds.project, ds.name, now, JSON.stringify(examples.map((e) => [e.contentHash, e.eventId, e.line, e.bytes]))),
    db.prepare("UPDATE datasets SET cursor = max(cursor, ?3), updated_at = ?4 WHERE project = ?1 AND name = ?2").bind(ds.project, ds.name, cursor, now),
  ]);
  return insert?.meta.changes ?? 0;
}

/** Each dataset's current example count and byte size, by name (the `dataset_current_sizes` view). */
export async function datasetSizes(db: D1Database, project: string): Promise<Map<string, { examples: number; bytes: number }>> {
  const { results } = await db
    .prepare("SELECT dataset, example_count, size_bytes FROM dataset_current_sizes WHERE project = ?1")
    .bind(project)
    .all<{ dataset: string; example_count: number; size_bytes: number }>();
  return new Map(results.map((r) => [r.dataset, { examples: r.example_count, bytes: r.size_bytes }]));
}

/**
 * A statement curating an example out: later snapshots leave it out, earlier
 * ones keep it. Commit it with `auditIfChangedStatement`, which records the
 * removal only when this statement found the example.
 */
export function removeExampleStatement(db: D1Database, project: string, name: string, contentHash: string, now: number): D1PreparedStatement {
  return db
    .prepare("UPDATE dataset_examples SET removed_at = ?4 WHERE project = ?1 AND dataset = ?2 AND content_hash = ?3 AND removed_at IS NULL")
    .bind(project, name, contentHash, now);
}

export interface SnapshotRow {
  version: number;
  examples: number;
  bytes: number;
  sha256: string;
  rules: DatasetRules;
  created_at: string;
}

export async function listSnapshots(db: D1Database, project: string, name: string): Promise<SnapshotRow[]> {
  const { results } = await db
    .prepare("SELECT version, examples, bytes, sha256, rules, created_at FROM dataset_snapshots WHERE project = ?1 AND dataset = ?2 ORDER BY version")
    .bind(project, name)
    .all<{ version: number; examples: number; bytes: number; sha256: string; rules: string; created_at: number }>();
  return results.map((r) => ({ ...r, rules: JSON.parse(r.rules) as DatasetRules, created_at: new Date(r.created_at).toISOString() }));
}

/**
 * One project's `redactions_total` by kind. The counter is labelled
 * `kind="…",project="…"`; rows without a project label (written before it
 * had one) belong to no project and are never reported.
 */
export async function projectRedactionCounts(db: D1Database, project: string): Promise<Record<string, number>> {
  const { results } = await db
    .prepare("SELECT labels, value FROM counters WHERE name = 'redactions_total' AND instr(labels, ?1) > 0")
    .bind(`project="${labelValue(project)}"`)
    .all<{ labels: string; value: number }>();
  const counts: Record<string, number> = {};
  for (const r of results) {
    const kind = /(?:^|,)kind="([^"\\]*)"/.exec(r.labels)?.[1];
    if (kind !== undefined) counts[kind] = (counts[kind] ?? 0) + r.value;
  }
  return counts;
}

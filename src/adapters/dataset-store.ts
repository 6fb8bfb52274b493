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

/** A project's `default` dataset with the default rules, if it has none yet (one statement; idempotent). */
export async function ensureDefaultDataset(db: D1Database, project: string, now: number): Promise<void> {
  await db
    .prepare("INSERT INTO datasets (project, name, rules, created_at, updated_at) VALUES (?1, 'default', ?2, ?3, ?3) ON CONFLICT DO NOTHING")
    .bind(project, JSON.stringify(datasetRulesSchema.parse({})), now)
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
  kind: "chat" | "pair";
  split: "train" | "validation";
  source: string | null;
  model: string | null;
  value: number | null;
  firstUser: string | null;
  sourceEventIds: string[];
  /** Set for a session example: it supersedes the shorter examples of its session. */
  sessionId: string | null;
}

const EXAMPLE_INSERT = `
INSERT INTO dataset_examples (project, dataset, content_hash, event_id, line, bytes, added_at, kind, split, source, model, value, first_user, source_event_ids, session_id)
SELECT ?1, ?2, e.value ->> '$.contentHash', e.value ->> '$.eventId', e.value ->> '$.line', e.value ->> '$.bytes', ?3, e.value ->> '$.kind',
       e.value ->> '$.split', e.value ->> '$.source', e.value ->> '$.model', e.value ->> '$.value', e.value ->> '$.firstUser',
       e.value -> '$.sourceEventIds', e.value ->> '$.sessionId'
FROM json_each(?4) AS e WHERE true
ON CONFLICT DO NOTHING`;

/**
 * Stores examples (exact duplicates by content hash are ignored), curates out the shorter
 * examples of the sessions a session example now covers, counts the candidates left out for
 * redacted text, and moves the cursor, in one transaction.
 */
export async function storeExamples(
  db: D1Database,
  ds: DatasetRow,
  examples: readonly ExampleToStore[],
  cursor: number,
  now: number,
  excludedRedacted = 0,
): Promise<number> {
  const sessions = examples.flatMap((e) => (e.sessionId ? [[e.sessionId, e.contentHash]] : []));
  const [insert] = await db.batch([
    db.prepare(EXAMPLE_INSERT).bind(ds.project, ds.name, now, JSON.stringify(examples)),
    db
      .prepare(
        `UPDATE dataset_examples SET removed_at = ?3 WHERE project = ?1 AND dataset = ?2 AND removed_at IS NULL AND kind = 'chat'
         AND EXISTS (SELECT 1 FROM json_each(?4) s WHERE s.value ->> '$[0]' = dataset_examples.session_id AND s.value ->> '$[1]' <> dataset_examples.content_hash)`,
      )
      .bind(ds.project, ds.name, now, JSON.stringify(sessions)),
    db
      .prepare("UPDATE datasets SET cursor = max(cursor, ?3), excluded_redacted = excluded_redacted + ?5, updated_at = ?4 WHERE project = ?1 AND name = ?2")
      .bind(ds.project, ds.name, cursor, now, excludedRedacted),
  ]);
  return insert?.meta.changes ?? 0;
}

/** Stores preference pairs (kind `pair`) a snapshot found; exact duplicates by hash are ignored. */
export async function storePairs(db: D1Database, ds: DatasetRow, pairs: readonly ExampleToStore[], now: number): Promise<number> {
  if (pairs.length === 0) return 0;
  const result = await db.prepare(EXAMPLE_INSERT).bind(ds.project, ds.name, now, JSON.stringify(pairs)).run();
  return result.meta.changes ?? 0;
}

/** An example as the browse API shows it. */
export interface ExampleListRow {
  seq: number;
  content_hash: string;
  kind: "chat" | "pair";
  split: "train" | "validation";
  source: string | null;
  model: string | null;
  value: number | null;
  first_user: string | null;
  source_event_ids: string[];
  added_at: number;
  removed_at: number | null;
  line: string;
}

type RawExampleListRow = Omit<ExampleListRow, "source_event_ids"> & { source_event_ids: string | null; event_id: string };

const toListRow = ({ event_id, ...r }: RawExampleListRow): ExampleListRow => ({
  ...r,
  source_event_ids: r.source_event_ids ? (JSON.parse(r.source_event_ids) as string[]) : [event_id],
});

export interface ExampleFilter {
  split?: "train" | "validation" | undefined;
  kind?: "chat" | "pair" | undefined;
  source?: string | undefined;
  model?: string | undefined;
  minValue?: number | undefined;
  /** Curated-out examples too (they stay in the snapshots that hold them). */
  includeRemoved?: boolean | undefined;
}

/** One page of a dataset's examples in the order they were added, after `afterSeq`; reads limit + 1 to tell whether more follow. */
export async function listExamples(db: D1Database, ds: DatasetRow, filter: ExampleFilter, afterSeq: number, limit: number): Promise<ExampleListRow[]> {
  const { results } = await db
    .prepare(
      `SELECT seq, content_hash, kind, split, source, model, value, first_user, source_event_ids, event_id, added_at, removed_at, line
       FROM dataset_examples WHERE project = ?1 AND dataset = ?2 AND seq > ?3
         AND (?4 IS NULL OR split = ?4) AND (?5 IS NULL OR kind = ?5) AND (?6 IS NULL OR source = ?6) AND (?7 IS NULL OR model = ?7)
         AND (?8 IS NULL OR value >= ?8) AND (?9 = 1 OR removed_at IS NULL)
       ORDER BY seq LIMIT ?10`,
    )
    .bind(
      ds.project,
      ds.name,
      afterSeq,
      filter.split ?? null,
      filter.kind ?? null,
      filter.source ?? null,
      filter.model ?? null,
      filter.minValue ?? null,
      filter.includeRemoved ? 1 : 0,
      limit,
    )
    .all<RawExampleListRow>();
  return results.map(toListRow);
}

/** The statement putting a curated-out example back (later snapshots hold it again). */
export function restoreExampleStatement(db: D1Database, project: string, name: string, contentHash: string): D1PreparedStatement {
  return db
    .prepare("UPDATE dataset_examples SET removed_at = NULL WHERE project = ?1 AND dataset = ?2 AND content_hash = ?3 AND removed_at IS NOT NULL")
    .bind(project, name, contentHash);
}

/** An event with the answer feedback said something of: the latest rating and the latest correction. */
export interface RatedEventRecord {
  record: EventRecord;
  rating: number | null;
  correction: string | null;
}

/**
 * The project's processed events that carry a rating (their own `feedback`, or POST /v1/feedback by event or
 * interaction id), newest first, at most `limit`: what preference pairs are made from.
 */
export async function ratedEvents(db: D1Database, project: string, limit: number): Promise<RatedEventRecord[]> {
  const { results } = await db
    .prepare(
      `SELECT ${EVENT_COLUMNS.split(", ")
        .map((c) => `e.${c}`)
        .join(", ")},
         (SELECT f.rating FROM feedback f WHERE f.project = e.project AND (f.event_id = e.event_id OR f.interaction_id = e.interaction_id)
            ORDER BY f.seq DESC LIMIT 1) AS latest_rating,
         (SELECT f.correction FROM feedback f WHERE f.project = e.project AND (f.event_id = e.event_id OR f.interaction_id = e.interaction_id)
            AND f.correction IS NOT NULL ORDER BY f.seq DESC LIMIT 1) AS latest_correction
       FROM events e
       WHERE e.project = ?1 AND e.status = 'processed'
         AND (e.payload ->> '$.feedback' IS NOT NULL
              OR EXISTS (SELECT 1 FROM feedback f WHERE f.project = e.project AND f.event_id = e.event_id)
              OR (e.interaction_id IS NOT NULL AND EXISTS (SELECT 1 FROM feedback f WHERE f.project = e.project AND f.interaction_id = e.interaction_id)))
       ORDER BY e.seq DESC LIMIT ?2`,
    )
    .bind(project, limit)
    .all<EventRow & { latest_rating: number | null; latest_correction: string | null }>();
  return results.map((r) => {
    const record = toRecord(r);
    const own = record.event.feedback;
    return { record, rating: r.latest_rating ?? (typeof own === "number" ? own : null), correction: r.latest_correction };
  });
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

/** What a snapshot holds per kind and split, and the candidates its dataset left out for redacted text. */
export interface SnapshotCounts {
  train: number;
  validation: number;
  pairs_train: number;
  pairs_validation: number;
  excluded_redacted: number;
}

export interface SnapshotRow {
  version: number;
  examples: number;
  bytes: number;
  sha256: string;
  rules: DatasetRules;
  counts: SnapshotCounts | null;
  created_at: string;
}

export async function listSnapshots(db: D1Database, project: string, name: string): Promise<SnapshotRow[]> {
  const { results } = await db
    .prepare("SELECT version, examples, bytes, sha256, rules, counts, created_at FROM dataset_snapshots WHERE project = ?1 AND dataset = ?2 ORDER BY version")
    .bind(project, name)
    .all<{ version: number; examples: number; bytes: number; sha256: string; rules: string; counts: string | null; created_at: number }>();
  return results.map((r) => ({
    ...r,
    rules: datasetRulesSchema.parse(JSON.parse(r.rules)),
    counts: r.counts ? (JSON.parse(r.counts) as SnapshotCounts) : null,
    created_at: new Date(r.created_at).toISOString(),
  }));
}

/** How many candidates a dataset has left out so far because their text was hashed or redacted. */
export async function excludedRedactedCount(db: D1Database, ds: DatasetRow): Promise<number> {
  const row = await db
    .prepare("SELECT excluded_redacted FROM datasets WHERE project = ?1 AND name = ?2")
    .bind(ds.project, ds.name)
    .first<{ excluded_redacted: number }>();
  return row?.excluded_redacted ?? 0;
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

import type { DatasetRow, SnapshotCounts } from "./dataset-store";

/** The version the next snapshot of a dataset gets: one past the highest recorded. */
export async function nextSnapshotVersion(db: D1Database, ds: DatasetRow): Promise<number> {
  const last = await db
    .prepare("SELECT coalesce(max(version), 0) AS v FROM dataset_snapshots WHERE project = ?1 AND dataset = ?2")
    .bind(ds.project, ds.name)
    .first<{ v: number }>();
  return (last?.v ?? 0) + 1;
}

/**
 * Makes the dataset's current examples the members of `version`, in one
 * transaction, replacing members left by a snapshot that crashed before it
 * was recorded.
 */
export async function stageSnapshotMembers(db: D1Database, ds: DatasetRow, version: number): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM snapshot_members WHERE project = ?1 AND dataset = ?2 AND version = ?3").bind(ds.project, ds.name, version),
    db
      .prepare(
        `INSERT INTO snapshot_members (project, dataset, version, example_seq)
         SELECT project, dataset, ?3, seq FROM dataset_examples WHERE project = ?1 AND dataset = ?2 AND removed_at IS NULL`,
      )
      .bind(ds.project, ds.name, version),
  ]);
}

/** Lines of a snapshot in example order, one page after `afterSeq`. */
export async function snapshotPage(db: D1Database, project: string, name: string, version: number, afterSeq: number, limit: number) {
  const { results } = await db
    .prepare(
      `SELECT m.example_seq AS seq, x.line, x.content_hash, x.event_id, x.kind, x.split FROM snapshot_members m JOIN dataset_examples x ON x.seq = m.example_seq
       WHERE m.project = ?1 AND m.dataset = ?2 AND m.version = ?3 AND m.example_seq > ?4 ORDER BY m.example_seq LIMIT ?5`,
    )
    .bind(project, name, version, afterSeq, limit)
    .all<{ seq: number; line: string; content_hash: string; event_id: string; kind: "chat" | "pair"; split: "train" | "validation" }>();
  return results;
}

/** What a snapshot holds, as recorded and answered. */
export interface SnapshotFacts {
  version: number;
  examples: number;
  bytes: number;
  sha256: string;
  counts: SnapshotCounts;
}

/** A statement moving a dataset's current pointer to a version; commit it with the audit entry or snapshot that moves it. */
export function setCurrentVersionStatement(db: D1Database, project: string, name: string, version: number, now: number): D1PreparedStatement {
  return db.prepare("UPDATE datasets SET current_version = ?3, updated_at = ?4 WHERE project = ?1 AND name = ?2").bind(project, name, version, now);
}

/**
 * Records a snapshot, with the rules it was made by, and makes it current, in
 * one transaction. False when a concurrent snapshot of the dataset took the
 * same version number first (nothing of this one is recorded).
 */
export async function recordSnapshot(db: D1Database, ds: DatasetRow, snapshot: SnapshotFacts, now: number): Promise<boolean> {
  const [inserted] = await db.batch<{ version: number }>([
    db
      .prepare(
        `INSERT INTO dataset_snapshots (project, dataset, version, examples, bytes, sha256, rules, counts, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT DO NOTHING RETURNING version`,
      )
      .bind(
        ds.project,
        ds.name,
        snapshot.version,
        snapshot.examples,
        snapshot.bytes,
        snapshot.sha256,
        JSON.stringify(ds.rules),
        JSON.stringify(snapshot.counts),
        now,
      ),
    // Moves the pointer only when this request's row is the one stored: a concurrent snapshot that took the number first keeps it.
    db
      .prepare(
        `UPDATE datasets SET current_version = ?3, updated_at = ?4 WHERE project = ?1 AND name = ?2
           AND EXISTS (SELECT 1 FROM dataset_snapshots WHERE project = ?1 AND dataset = ?2 AND version = ?3 AND sha256 = ?5 AND created_at = ?4)`,
      )
      .bind(ds.project, ds.name, snapshot.version, now, snapshot.sha256),
  ]);
  return (inserted?.results.length ?? 0) > 0;
}

/** One example of a diff: what tells it apart. */
export interface DiffEntry {
  content_hash: string;
  kind: "chat" | "pair";
  split: "train" | "validation";
  source_event_ids: string[];
  first_user: string | null;
}

/**
 * The examples a snapshot has that the one before it lacks (`added`), and the other way round
 * (`removed`), at most `limit` of each, with the full counts.
 */
export async function snapshotChanges(
  db: D1Database,
  ds: DatasetRow,
  version: number,
  limit: number,
): Promise<{ added: DiffEntry[]; removed: DiffEntry[]; added_count: number; removed_count: number }> {
  const side = (from: string, against: string) =>
    `FROM snapshot_members a JOIN dataset_examples x ON x.seq = a.example_seq
     WHERE a.project = ?1 AND a.dataset = ?2 AND a.version = ${from}
       AND NOT EXISTS (SELECT 1 FROM snapshot_members b WHERE b.project = ?1 AND b.dataset = ?2 AND b.version = ${against} AND b.example_seq = a.example_seq)`;
  const columns = "x.content_hash, x.kind, x.split, x.source_event_ids, x.event_id, x.first_user";
  type Raw = Omit<DiffEntry, "source_event_ids"> & { source_event_ids: string | null; event_id: string };
  const [added, removed, counts] = await db.batch<Raw | { added: number; removed: number }>([
    db.prepare(`SELECT ${columns} ${side("?3", "?3 - 1")} ORDER BY a.example_seq LIMIT ?4`).bind(ds.project, ds.name, version, limit),
    db.prepare(`SELECT ${columns} ${side("?3 - 1", "?3")} ORDER BY a.example_seq LIMIT ?4`).bind(ds.project, ds.name, version, limit),
    db
      .prepare(`SELECT (SELECT count(*) ${side("?3", "?3 - 1")}) AS added, (SELECT count(*) ${side("?3 - 1", "?3")}) AS removed`)
      .bind(ds.project, ds.name, version),
  ]);
  const entries = (rows: unknown[] | undefined) =>
    ((rows ?? []) as Raw[]).map(({ event_id, source_event_ids, ...r }) => ({
      ...r,
      source_event_ids: source_event_ids ? (JSON.parse(source_event_ids) as string[]) : [event_id],
    }));
  const n = (counts?.results[0] ?? { added: 0, removed: 0 }) as { added: number; removed: number };
  return { added: entries(added?.results), removed: entries(removed?.results), added_count: n.added, removed_count: n.removed };
}

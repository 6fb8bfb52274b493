import type { DatasetRow } from "./dataset-store";

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
      `SELECT m.example_seq AS seq, x.line, x.content_hash, x.event_id FROM snapshot_members m JOIN dataset_examples x ON x.seq = m.example_seq
       WHERE m.project = ?1 AND m.dataset = ?2 AND m.version = ?3 AND m.example_seq > ?4 ORDER BY m.example_seq LIMIT ?5`,
    )
    .bind(project, name, version, afterSeq, limit)
    .all<{ seq: number; line: string; content_hash: string; event_id: string }>();
  return results;
}

/** What a snapshot holds, as recorded and answered. */
export interface SnapshotFacts {
  version: number;
  examples: number;
  bytes: number;
  sha256: string;
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
        `INSERT INTO dataset_snapshots (project, dataset, version, examples, bytes, sha256, rules, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT DO NOTHING RETURNING version`,
      )
      .bind(ds.project, ds.name, snapshot.version, snapshot.examples, snapshot.bytes, snapshot.sha256, JSON.stringify(ds.rules), now),
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

/** How many examples a snapshot has that the one before it lacks (`added`), and the other way round (`removed`). */
export async function snapshotChanges(db: D1Database, ds: DatasetRow, version: number): Promise<{ added: number; removed: number }> {
  const row = await db
    .prepare(
      `SELECT
         (SELECT count(*) FROM snapshot_members a WHERE a.project = ?1 AND a.dataset = ?2 AND a.version = ?3
            AND NOT EXISTS (SELECT 1 FROM snapshot_members b WHERE b.project = ?1 AND b.dataset = ?2 AND b.version = ?3 - 1 AND b.example_seq = a.example_seq)) AS added,
         (SELECT count(*) FROM snapshot_members b WHERE b.project = ?1 AND b.dataset = ?2 AND b.version = ?3 - 1
            AND NOT EXISTS (SELECT 1 FROM snapshot_members a WHERE a.project = ?1 AND a.dataset = ?2 AND a.version = ?3 AND a.example_seq = b.example_seq)) AS removed`,
    )
    .bind(ds.project, ds.name, version)
    .first<{ added: number; removed: number }>();
  return { added: row?.added ?? 0, removed: row?.removed ?? 0 };
}

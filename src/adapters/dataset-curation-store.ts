import { type Actor, auditIfChangedStatement, auditStatement } from "./audit-store";
import { type DatasetRow, removeExampleStatement, restoreExampleStatement } from "./dataset-store";
import { setCurrentVersionStatement } from "./snapshot-store";

/**
 * Moves a dataset's current pointer to `version` (back or forward) and
 * records `dataset.rollback` by `actor`, in one D1 batch: the move is never
 * committed without its audit entry. The caller checks that the snapshot exists.
 *
 * @example
 * await rollbackDataset(c.env.DB, ds, 2, keyActor(c.get("keyId")), Date.now());
 */
export async function rollbackDataset(db: D1Database, ds: DatasetRow, version: number, actor: Actor, now: number): Promise<void> {
  const details = { version, previous_version: ds.currentVersion };
  await db.batch([
    setCurrentVersionStatement(db, ds.project, ds.name, version, now),
    auditStatement(db, { actor, action: "dataset.rollback", target: ds.name, project: ds.project, details }, now),
  ]);
}

/**
 * Curates an example out of a dataset (later snapshots leave it out, earlier
 * ones keep it) and records `dataset.example.remove` by `actor`, in one D1
 * batch. Returns false when the dataset holds no such example still in it;
 * then nothing is written, the audit entry included.
 */
export async function removeExample(db: D1Database, ds: DatasetRow, contentHash: string, actor: Actor, now: number): Promise<boolean> {
  const audit = { actor, action: "dataset.example.remove", target: ds.name, project: ds.project, details: { content_hash: contentHash } } as const;
  const [removed] = await db.batch([
    removeExampleStatement(db, ds.project, ds.name, contentHash, now),
    // Written only when the update just before it removed the example.
    auditIfChangedStatement(db, audit, now),
  ]);
  return (removed?.meta.changes ?? 0) > 0;
}

/** Puts a curated-out example back (later snapshots hold it again) and records `dataset.example.restore`, in one D1 batch. */
export async function restoreExample(db: D1Database, ds: DatasetRow, contentHash: string, actor: Actor, now: number): Promise<boolean> {
  const audit = { actor, action: "dataset.example.restore", target: ds.name, project: ds.project, details: { content_hash: contentHash } } as const;
  const [restored] = await db.batch([restoreExampleStatement(db, ds.project, ds.name, contentHash), auditIfChangedStatement(db, audit, now)]);
  return (restored?.meta.changes ?? 0) > 0;
}

import type { ArchiveManifest } from "./archive";

/** An archive object as the `archives` table indexes it: the manifest's fields, times in ms since the epoch. */
export type ArchiveRow = Omit<ArchiveManifest, "from_time" | "to_time" | "compressed_bytes"> & { from_time: number; to_time: number; created_at: number };

/** The index row of a verified archive; commit it with the delete of the events it holds. */
export function recordArchiveStatement(db: D1Database, manifest: ArchiveManifest, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO archives (key, project, events, bytes, sha256, first_seq, last_seq, from_time, to_time, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (key) DO NOTHING`,
    )
    .bind(
      manifest.key,
      manifest.project,
      manifest.events,
      manifest.bytes,
      manifest.sha256,
      manifest.first_seq,
      manifest.last_seq,
      Date.parse(manifest.from_time),
      Date.parse(manifest.to_time),
      now,
    );
}

/** The newest archives, of one project or of all, at most `limit`. */
export async function listArchives(db: D1Database, project: string | null, limit: number): Promise<ArchiveRow[]> {
  const { results } = await db
    .prepare(
      `SELECT key, project, events, bytes, sha256, first_seq, last_seq, from_time, to_time, created_at FROM archives
       WHERE ?1 IS NULL OR project = ?1 ORDER BY created_at DESC LIMIT ?2`,
    )
    .bind(project, limit)
    .all<ArchiveRow>();
  return results;
}

/** Keys of a project's archives made before `before`, at most `limit`. */
export async function archivesMadeBefore(db: D1Database, project: string, before: number, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT key FROM archives WHERE project = ?1 AND created_at < ?2 LIMIT ?3")
    .bind(project, before, limit)
    .all<{ key: string }>();
  return results.map((r) => r.key);
}

/** Drops archives from the index, once their objects are deleted. */
export async function forgetArchives(db: D1Database, keys: readonly string[]): Promise<void> {
  await db.prepare("DELETE FROM archives WHERE key IN (SELECT value FROM json_each(?1))").bind(JSON.stringify(keys)).run();
}

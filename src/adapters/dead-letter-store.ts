import { incrementCounter } from "./counters";
import { DEAD_LETTER_RULES, scrubDeadLetter } from "./dead-letters";

export interface DeadLetterRow {
  id: string;
  queue: string;
  body: string;
  reason: string;
  attempts: number;
  created_at: number;
  replayed_at: number | null;
}

/**
 * A stored row scrubbed again on the way out: letters parked before parking
 * scrubbed them still hold secrets until retention deletes them. Scrubbing
 * scrubbed text leaves it as it is, so a newer row reads unchanged.
 */
function scrubbedRow(row: DeadLetterRow): DeadLetterRow {
  return { ...row, ...scrubDeadLetter({ ...row, body: JSON.parse(row.body) as unknown }, DEAD_LETTER_RULES) };
}

/** Dead letters, newest first, paged by created_at + id, scrubbed. */
export async function listDeadLetters(
  db: D1Database,
  opts: { queue?: string; includeReplayed: boolean; limit: number; before?: number },
): Promise<DeadLetterRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM dead_letters WHERE (?1 IS NULL OR queue = ?1) AND (?2 = 1 OR replayed_at IS NULL) AND created_at < ?3
       ORDER BY created_at DESC, id LIMIT ?4`,
    )
    .bind(opts.queue ?? null, opts.includeReplayed ? 1 : 0, opts.before ?? Number.MAX_SAFE_INTEGER, opts.limit)
    .all<DeadLetterRow>();
  return results.map(scrubbedRow);
}

/** One dead letter, scrubbed (what replay re-sends). */
export async function findDeadLetter(db: D1Database, id: string): Promise<DeadLetterRow | null> {
  const row = await db.prepare("SELECT * FROM dead_letters WHERE id = ?1").bind(id).first<DeadLetterRow>();
  return row ? scrubbedRow(row) : null;
}

/** Claims a dead letter for replay; false when it was already replayed (replay is idempotent). */
export async function claimForReplay(db: D1Database, id: string, now: number): Promise<boolean> {
  const [claim] = await db.batch([
    db.prepare("UPDATE dead_letters SET replayed_at = ?2 WHERE id = ?1 AND replayed_at IS NULL").bind(id, now),
    db.prepare("INSERT INTO audit_log (at, action, subject) SELECT ?2, 'dead_letter.replay', ?1 WHERE changes() > 0").bind(id, now),
  ]);
  const claimed = (claim?.meta.changes ?? 0) > 0;
  if (claimed) await incrementCounter(db, "dead_letters_replayed_total", 1).run();
  return claimed;
}

/** Releases a claim when the re-enqueue failed, so a later replay can try again. */
export async function releaseReplay(db: D1Database, id: string): Promise<void> {
  await db.prepare("UPDATE dead_letters SET replayed_at = NULL WHERE id = ?1").bind(id).run();
}

/** Deletes a dead letter, keeping who-why in the audit log. */
export async function purgeDeadLetter(db: D1Database, id: string, reason: string, now: number): Promise<boolean> {
  const [del] = await db.batch([
    db.prepare("DELETE FROM dead_letters WHERE id = ?1").bind(id),
    db.prepare("INSERT INTO audit_log (at, action, subject, reason) SELECT ?2, 'dead_letter.purge', ?1, ?3 WHERE changes() > 0").bind(id, now, reason),
  ]);
  const purged = (del?.meta.changes ?? 0) > 0;
  if (purged) await incrementCounter(db, "dead_letters_purged_total", 1).run();
  return purged;
}

import type { FeedbackInput } from "../domain/feedback-schema";
import { labelValue } from "../domain/prometheus";
import { incrementCounter } from "./counters";

/**
 * Stores (already scrubbed) feedback once per (project, feedback id); true when
 * it was new. Only a new row counts: `redactions` (by kind) go to
 * `redactions_total{kind,project}`, so a resend counts nothing twice.
 */
export async function storeFeedback(
  db: D1Database,
  project: string,
  feedbackId: string,
  f: FeedbackInput,
  now: number,
  redactions: ReadonlyMap<string, number> = new Map(),
): Promise<boolean> {
  const insert = await db
    .prepare(
      `INSERT INTO feedback (project, feedback_id, event_id, interaction_id, rating, comment, outcome, correction, received_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (project, feedback_id) DO NOTHING`,
    )
    .bind(
      project,
      feedbackId,
      f.event_id ?? null,
      f.interaction_id ?? null,
      f.rating,
      f.comment ?? null,
      f.outcome ?? null,
      f.correction === undefined ? null : JSON.stringify(f.correction),
      now,
    )
    .run();
  const isNew = insert.meta.changes > 0;
  if (isNew) {
    await db.batch([
      incrementCounter(db, "feedback_received_total", 1),
      ...[...redactions].map(([kind, n]) => incrementCounter(db, "redactions_total", n, `kind="${labelValue(kind)}",project="${labelValue(project)}"`)),
    ]);
  }
  return isNew;
}

/** How many stored events the feedback targets (0: kept until its event arrives). */
export async function countTargets(db: D1Database, project: string, f: FeedbackInput): Promise<number> {
  const row = await db
    .prepare("SELECT count(*) AS n FROM events WHERE project = ?1 AND (event_id = ?2 OR interaction_id = ?3)")
    .bind(project, f.event_id ?? null, f.interaction_id ?? null)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

import { EVENT_COLUMNS, toRecord, type EventRecord, type EventRow } from "./event-store";

export interface FeedbackRef {
  seq: number;
  project: string;
  event_id: string | null;
  interaction_id: string | null;
}

/** Feedback after the cursor, oldest first, received before `settledBefore`. */
export async function listFeedbackAfter(db: D1Database, cursor: number, settledBefore: number, limit: number): Promise<FeedbackRef[]> {
  const { results } = await db
    .prepare("SELECT seq, project, event_id, interaction_id FROM feedback WHERE seq > ?1 AND received_at < ?2 ORDER BY seq LIMIT ?3")
    .bind(cursor, settledBefore, limit)
    .all<FeedbackRef>();
  return results;
}

/** Processed events of a project targeted by event id or interaction id. Unprocessed ones get their feedback when first scored. */
export async function loadProcessedTargets(
  db: D1Database,
  project: string,
  eventIds: readonly string[],
  interactionIds: readonly string[],
): Promise<EventRecord[]> {
  const { results } = await db
    .prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE project = ?1 AND status = 'processed'
       AND (event_id IN (SELECT value FROM json_each(?2)) OR interaction_id IN (SELECT value FROM json_each(?3))) ORDER BY seq`,
    )
    .bind(project, JSON.stringify(eventIds), JSON.stringify(interactionIds))
    .all<EventRow>();
  return results.map(toRecord);
}

/**
 * Events after `afterSeq` scored with an older version of `profile` and not yet
 * with `version`, in server order.
 */
export async function listScoredWithOlderVersion(db: D1Database, profile: string, version: number, afterSeq: number, limit: number): Promise<EventRecord[]> {
  const { results } = await db
    .prepare(
      `SELECT ${EVENT_COLUMNS.split(", ")
        .map((c) => `e.${c}`)
        .join(", ")} FROM events e
       WHERE e.seq > ?3 AND e.status = 'processed'
         AND EXISTS (SELECT 1 FROM event_scores s WHERE s.project = e.project AND s.event_id = e.event_id AND s.profile = ?1 AND s.profile_version < ?2)
         AND NOT EXISTS (SELECT 1 FROM event_scores s WHERE s.project = e.project AND s.event_id = e.event_id AND s.profile = ?1 AND s.profile_version = ?2)
       ORDER BY e.seq LIMIT ?4`,
    )
    .bind(profile, version, afterSeq, limit)
    .all<EventRow>();
  return results.map(toRecord);
}

import type { Outcome, Rating } from "../domain/event-schema";
import { EVENT_COLUMNS, type EventRecord, type EventRow, toRecord } from "./event-store";
import { latestScores } from "./scoring-store";

/** One piece of feedback on an event of a session, as readers see it. */
export interface SessionFeedback {
  rating: Rating;
  comment: string | null;
  outcome: Outcome | null;
  receivedAt: number;
}

/** One event of a session with its latest score (null until scored) and its feedback, oldest first. */
export interface SessionEventRecord extends EventRecord {
  score: { value: number | null; confidence: number; highValue: boolean } | null;
  feedback: SessionFeedback[];
}

export interface SessionPage {
  events: SessionEventRecord[];
  /** The last sequence of this page when more events follow, else null. */
  nextAfter: number | null;
}

/**
 * One page of a session's events in server order (`seq`), after `after` (a
 * sequence; 0 for the first page). The session id lives in the payload, not
 * in a column: the scan is the project's events, and LIMIT keeps the page
 * bounded. Reads limit + 1 rows to know whether another page follows.
 */
export async function readSessionPage(db: D1Database, project: string, sessionId: string, limit: number, after: number): Promise<SessionPage> {
  const { results } = await db
    .prepare(
      `SELECT ${EVENT_COLUMNS}, interaction_id FROM events
       WHERE project = ?1 AND payload ->> '$.session_id' = ?2 AND seq > ?3
       ORDER BY seq LIMIT ?4`,
    )
    .bind(project, sessionId, after, limit + 1)
    .all<EventRow & { interaction_id: string | null }>();
  const rows = results.slice(0, limit);
  const more = results.length > limit;
  const eventIds = rows.map((r) => r.event_id);
  const interactionIds = [...new Set(rows.flatMap((r) => (r.interaction_id === null ? [] : [r.interaction_id])))];
  const [scores, feedback] = await Promise.all([
    rows.length === 0 ? new Map() : latestScores(db, project, eventIds),
    rows.length === 0 ? [] : feedbackOn(db, project, eventIds, interactionIds),
  ]);
  const events = rows.map((row): SessionEventRecord => {
    const score = scores.get(row.event_id);
    return {
      ...toRecord(row),
      score: score ? { value: score.value, confidence: score.confidence, highValue: score.highValue } : null,
      feedback: feedback
        .filter((f) => f.event_id === row.event_id || (row.interaction_id !== null && f.interaction_id === row.interaction_id))
        .map((f) => ({ rating: f.rating, comment: f.comment, outcome: f.outcome, receivedAt: f.received_at })),
    };
  });
  const last = rows.at(-1);
  return { events, nextAfter: more && last ? last.seq : null };
}

/** Whether the project holds any event of the session. */
export async function sessionExists(db: D1Database, project: string, sessionId: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS found FROM events WHERE project = ?1 AND payload ->> '$.session_id' = ?2 LIMIT 1")
    .bind(project, sessionId)
    .first<{ found: number }>();
  return row !== null;
}

interface FeedbackOnRow {
  event_id: string | null;
  interaction_id: string | null;
  rating: Rating;
  comment: string | null;
  outcome: Outcome | null;
  received_at: number;
}

/** The feedback that targets any of the given events, by event id or interaction id, oldest first. */
async function feedbackOn(db: D1Database, project: string, eventIds: readonly string[], interactionIds: readonly string[]): Promise<FeedbackOnRow[]> {
  const { results } = await db
    .prepare(
      `SELECT event_id, interaction_id, rating, comment, outcome, received_at FROM feedback
       WHERE project = ?1 AND (event_id IN (SELECT value FROM json_each(?2)) OR interaction_id IN (SELECT value FROM json_each(?3)))
       ORDER BY seq`,
    )
    .bind(project, JSON.stringify(eventIds), JSON.stringify(interactionIds))
    .all<FeedbackOnRow>();
  return results;
}

/** Most events a session example is made of (the newest, up to the candidate). */
export const SESSION_EXAMPLE_EVENTS = 200;

/** A session's events up to `uptoSeq`, in server order: the newest SESSION_EXAMPLE_EVENTS of them. */
export async function sessionEventsUpTo(db: D1Database, project: string, sessionId: string, uptoSeq: number): Promise<EventRecord[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM events WHERE project = ?1 AND payload ->> '$.session_id' = ?2 AND seq <= ?3 ORDER BY seq DESC LIMIT ?4)
       ORDER BY seq`,
    )
    .bind(project, sessionId, uptoSeq, SESSION_EXAMPLE_EVENTS)
    .all<EventRow>();
  return results.map(toRecord);
}

/** One session of a project, as GET /v1/sessions lists it. */
export interface SessionSummary {
  sessionId: string;
  events: number;
  firstReceivedAt: number;
  lastReceivedAt: number;
  /** The sources of its events, sorted. */
  sources: string[];
  /** The sequence of its newest event: the list's order and cursor. */
  lastSeq: number;
}

/**
 * A project's sessions, newest activity first (by the sequence of each
 * session's newest event), `limit` after `before` (a sequence; null for the
 * first page). One statement over the events_project_session index; reads
 * limit + 1 to know whether another page follows.
 */
export async function listSessions(
  db: D1Database,
  project: string,
  limit: number,
  before: number | null,
): Promise<{ sessions: SessionSummary[]; nextBefore: number | null }> {
  const { results } = await db
    .prepare(
      `SELECT payload ->> '$.session_id' AS session_id, count(*) AS events, min(received_at) AS first_received_at,
              max(received_at) AS last_received_at, max(seq) AS last_seq, json_group_array(DISTINCT source) AS sources
       FROM events WHERE project = ?1 AND payload ->> '$.session_id' IS NOT NULL
       GROUP BY payload ->> '$.session_id'
       HAVING ?2 IS NULL OR max(seq) < ?2
       ORDER BY last_seq DESC LIMIT ?3`,
    )
    .bind(project, before, limit + 1)
    .all<{ session_id: string; events: number; first_received_at: number; last_received_at: number; last_seq: number; sources: string }>();
  const sessions = results.slice(0, limit).map(
    (r): SessionSummary => ({
      sessionId: r.session_id,
      events: r.events,
      firstReceivedAt: r.first_received_at,
      lastReceivedAt: r.last_received_at,
      sources: (JSON.parse(r.sources) as string[]).sort(),
      lastSeq: r.last_seq,
    }),
  );
  const last = sessions.at(-1);
  return { sessions, nextBefore: results.length > limit && last ? last.lastSeq : null };
}

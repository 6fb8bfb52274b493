import type { Outcome } from "../domain/event-schema";

/**
 * The event list behind GET /v1/events: one SQL statement per page, filtered
 * and keyset-paged, newest first by server sequence, or ranked by bm25 when a
 * full-text query is given. The text index is `events_fts` (migration
 * 0013_events_fts.sql): FTS5 over each event's query, response and message
 * texts, kept in step with `events` by triggers (insert, delete, payload
 * update), so ingest, retention and OTLP log joins need no code here.
 */

/** The marks around each matched term in a snippet (the text itself is not HTML-escaped). */
export const SNIPPET_OPEN = "<mark>";
export const SNIPPET_CLOSE = "</mark>";
/** Tokens a snippet holds at most (FTS5 allows up to 64). */
const SNIPPET_TOKENS = 16;
/** Characters of the first user text a row carries. */
const FIRST_USER_CHARS = 300;

export interface EventListFilters {
  source?: string;
  type?: string;
  model?: string;
  outcome?: Outcome;
  sessionId?: string;
  minValue?: number;
  maxValue?: number;
  highValue?: boolean;
  hasFeedback?: boolean;
  /** Server receive time, ms, inclusive. */
  from?: number;
  /** Server receive time, ms, exclusive. */
  to?: number;
}

/** Where a page starts: after this sequence (newest first), or after this (bm25 score, sequence) when ranked. */
export type EventListCursor = { seq: number; score?: undefined } | { seq: number; score: number };

export interface EventListRow {
  seq: number;
  eventId: string;
  receivedAt: number;
  source: string;
  type: string;
  model: string | null;
  outcome: string | null;
  sessionId: string | null;
  value: number | null;
  confidence: number | null;
  highValue: boolean | null;
  firstUser: string | null;
  hasFeedback: boolean;
  /** Only when a full-text query was given. */
  snippet?: string;
  /** bm25 of the row (lower is better); only when a full-text query was given. */
  score?: number;
}

export interface EventListPage {
  rows: EventListRow[];
  /** Where the next page starts, or null on the last page. */
  next: EventListCursor | null;
}

/**
 * A user's search words as an FTS5 query: each word a quoted string (so FTS5
 * operators and punctuation in the text are never syntax), all of them
 * required; a trailing `*` keeps a prefix search. Null when no word has a
 * letter or digit.
 */
export function ftsQuery(q: string): string | null {
  const terms = q
    .split(/\s+/)
    .map((raw) => {
      const prefix = raw.endsWith("*");
      const word = raw.replace(/"/g, "").replace(/\*+$/, "");
      if (!/[\p{L}\p{N}]/u.test(word)) return null;
      return `"${word}"${prefix ? "*" : ""}`;
    })
    .filter((t): t is string => t !== null)
    .slice(0, 32);
  return terms.length === 0 ? null : terms.join(" ");
}

/** The latest score of event `e` (event_scores_latest index), as latestScores in scoring-store.ts picks it. */
const LATEST_SCORE = `LEFT JOIN event_scores s ON s.rowid = (
  SELECT s2.rowid FROM event_scores s2 WHERE s2.project = e.project AND s2.event_id = e.event_id
  ORDER BY s2.scored_at DESC, s2.rowid DESC LIMIT 1)`;

/** Whether event `e` has feedback: its own `feedback` field, or a feedback row by event id or interaction id. */
const HAS_FEEDBACK = `(e.payload ->> '$.feedback' IS NOT NULL
  OR EXISTS (SELECT 1 FROM feedback f WHERE f.project = e.project AND f.event_id = e.event_id)
  OR (e.interaction_id IS NOT NULL AND EXISTS (SELECT 1 FROM feedback f WHERE f.project = e.project AND f.interaction_id = e.interaction_id)))`;

/** The text of the first user message of `e` (string content, or its text parts), else its query. */
const FIRST_USER = `substr(coalesce((
  SELECT CASE json_type(m.value, '$.content')
    WHEN 'text' THEN m.value ->> '$.content'
    ELSE (SELECT group_concat(p.value ->> '$.text', char(10)) FROM json_each(m.value, '$.content') AS p WHERE p.value ->> '$.type' = 'text')
  END
  FROM json_each(e.payload, '$.messages') AS m
  WHERE m.value ->> '$.role' = 'user' AND json_type(m.value, '$.content') IN ('text', 'array')
  ORDER BY m.key LIMIT 1), e.payload ->> '$.query'), 1, ${FIRST_USER_CHARS})`;

interface Row {
  seq: number;
  event_id: string;
  received_at: number;
  source: string;
  type: string;
  model: string | null;
  outcome: string | null;
  session_id: string | null;
  value: number | null;
  confidence: number | null;
  high_value: number | null;
  first_user: string | null;
  has_feedback: number;
  snippet?: string | null;
  score?: number;
}

/**
 * One page of a project's events: `limit` rows after `after`, filtered.
 * With `match` (an FTS5 query, see ftsQuery) only matching events, best bm25
 * first (ties newest first), each with a snippet; else newest first. The
 * page's keys are chosen first (only the columns the filters need), then the
 * displayed columns and snippets are computed for those rows alone. Reads
 * limit + 1 keys to know whether another page follows.
 */
export async function listEvents(
  db: D1Database,
  project: string,
  options: { filters: EventListFilters; match?: string; limit: number; after?: EventListCursor },
): Promise<EventListPage> {
  const { filters: f, match, limit, after } = options;
  const binds: unknown[] = [];
  const p = (v: unknown) => {
    binds.push(v);
    return `?${binds.length}`;
  };
  const where = [`e.project = ${p(project)}`];
  if (f.source !== undefined) where.push(`e.source = ${p(f.source)}`);
  if (f.type !== undefined) where.push(`e.type = ${p(f.type)}`);
  if (f.model !== undefined) where.push(`e.payload ->> '$.model' = ${p(f.model)}`);
  if (f.outcome !== undefined) where.push(`e.payload ->> '$.outcome' = ${p(f.outcome)}`);
  if (f.sessionId !== undefined) where.push(`e.payload ->> '$.session_id' = ${p(f.sessionId)}`);
  if (f.from !== undefined) where.push(`e.received_at >= ${p(f.from)}`);
  if (f.to !== undefined) where.push(`e.received_at < ${p(f.to)}`);
  if (f.minValue !== undefined) where.push(`s.value >= ${p(f.minValue)}`);
  if (f.maxValue !== undefined) where.push(`s.value <= ${p(f.maxValue)}`);
  if (f.highValue !== undefined) where.push(f.highValue ? "s.high_value = 1" : "(s.high_value IS NULL OR s.high_value = 0)");
  if (f.hasFeedback !== undefined) where.push(f.hasFeedback ? HAS_FEEDBACK : `NOT ${HAS_FEEDBACK}`);
  const needsScore = f.minValue !== undefined || f.maxValue !== undefined || f.highValue !== undefined;

  let sql: string;
  if (match !== undefined) {
    const m = p(match);
    if (after?.score !== undefined) {
      const score = p(after.score);
      where.push(`(h.score > ${score} OR (h.score = ${score} AND e.seq < ${p(after.seq)}))`);
    }
    sql = `WITH page AS (
      SELECT e.seq AS seq, h.score AS score
      FROM (SELECT rowid, bm25(events_fts) AS score FROM events_fts WHERE events_fts MATCH ${m}) AS h
      JOIN events e ON e.seq = h.rowid
      ${needsScore ? LATEST_SCORE : ""}
      WHERE ${where.join(" AND ")}
      ORDER BY h.score, e.seq DESC LIMIT ${p(limit + 1)}
    ),
    snips AS (
      SELECT rowid, snippet(events_fts, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', ${SNIPPET_TOKENS}) AS snippet
      FROM events_fts WHERE events_fts MATCH ${m} AND rowid IN (SELECT seq FROM page)
    )
    SELECT ${displayed()}, page.score AS score, snips.snippet AS snippet
    FROM page JOIN events e ON e.seq = page.seq ${LATEST_SCORE} LEFT JOIN snips ON snips.rowid = page.seq
    ORDER BY page.score, page.seq DESC`;
  } else {
    if (after !== undefined) where.push(`e.seq < ${p(after.seq)}`);
    sql = `WITH page AS (
      SELECT e.seq AS seq FROM events e ${needsScore ? LATEST_SCORE : ""}
      WHERE ${where.join(" AND ")}
      ORDER BY e.seq DESC LIMIT ${p(limit + 1)}
    )
    SELECT ${displayed()} FROM page JOIN events e ON e.seq = page.seq ${LATEST_SCORE}
    ORDER BY page.seq DESC`;
  }
  const { results } = await db
    .prepare(sql)
    .bind(...binds)
    .all<Row>();
  const rows = results.slice(0, limit).map(toRow);
  const last = rows.at(-1);
  const more = results.length > limit;
  const next: EventListCursor | null = !more || !last ? null : last.score !== undefined ? { seq: last.seq, score: last.score } : { seq: last.seq };
  return { rows, next };
}

function displayed(): string {
  return `e.seq, e.event_id, e.received_at, e.source, e.type, e.payload ->> '$.model' AS model, e.payload ->> '$.outcome' AS outcome,
    e.payload ->> '$.session_id' AS session_id, s.value AS value, s.confidence AS confidence, s.high_value AS high_value,
    ${FIRST_USER} AS first_user, ${HAS_FEEDBACK} AS has_feedback`;
}

function toRow(r: Row): EventListRow {
  return {
    seq: r.seq,
    eventId: r.event_id,
    receivedAt: r.received_at,
    source: r.source,
    type: r.type,
    model: r.model,
    outcome: r.outcome,
    sessionId: r.session_id,
    value: r.value,
    confidence: r.confidence,
    highValue: r.high_value === null ? null : r.high_value === 1,
    firstUser: r.first_user,
    hasFeedback: r.has_feedback === 1,
    ...(r.score !== undefined && r.score !== null ? { score: r.score, snippet: r.snippet ?? "" } : {}),
  };
}

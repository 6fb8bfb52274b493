import type { JoinableRecord } from "../domain/otlp-logs";

/** A GenAI log record as stored: validated, redacted, keyed by a hash of itself. */
export interface LogRecordRow {
  key: string;
  traceId: string;
  spanId: string;
  timeUnixNano: string;
  position: number;
  name: string;
  bodyJson: string;
}

export interface SpanRef {
  traceId: string;
  spanId: string;
}

export const spanKey = (s: SpanRef) => `${s.traceId}:${s.spanId}`;

/**
 * Stores records in one statement (the rows travel as one JSON parameter); a record already
 * stored (same key: a replayed export) is left as it is. Returns the keys that were new.
 */
export async function insertLogRecords(db: D1Database, project: string, rows: readonly LogRecordRow[], now: number): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const { results } = await db
    .prepare(
      `INSERT INTO otlp_log_records (project, record_key, trace_id, span_id, time_unix_nano, position, name, body, received_at)
       SELECT ?1, r.value ->> '$.key', r.value ->> '$.traceId', r.value ->> '$.spanId', r.value ->> '$.timeUnixNano',
              r.value ->> '$.position', r.value ->> '$.name', r.value ->> '$.bodyJson', ?2
       FROM json_each(?3) AS r WHERE true
       ON CONFLICT (project, record_key) DO NOTHING
       RETURNING record_key`,
    )
    .bind(project, now, JSON.stringify(rows))
    .all<{ record_key: string }>();
  return new Set(results.map((r) => r.record_key));
}

/** The records of each span, in message order (time, then arrival, then place in the export). */
export async function loadLogRecords(db: D1Database, project: string, spans: readonly SpanRef[]): Promise<Map<string, JoinableRecord[]>> {
  const out = new Map<string, JoinableRecord[]>();
  if (spans.length === 0) return out;
  const { results } = await db
    .prepare(
      `SELECT r.trace_id, r.span_id, r.name, r.body FROM json_each(?2) AS s
       JOIN otlp_log_records r ON r.project = ?1 AND r.trace_id = s.value ->> '$[0]' AND r.span_id = s.value ->> '$[1]'
       ORDER BY r.trace_id, r.span_id, r.time_unix_nano, r.received_at, r.position`,
    )
    .bind(project, JSON.stringify(spans.map((s) => [s.traceId, s.spanId])))
    .all<{ trace_id: string; span_id: string; name: string; body: string }>();
  for (const r of results) {
    const key = `${r.trace_id}:${r.span_id}`;
    const list = out.get(key) ?? [];
    list.push({ name: r.name, body: JSON.parse(r.body) as Record<string, unknown> });
    out.set(key, list);
  }
  return out;
}

/**
 * Replaces an event's payload with its joined form, only if the span still has exactly the
 * `joinedRecords` it was built from (one statement, so a concurrent export cannot slip a
 * record in between: the caller rebuilds and tries again). Returns whether it was written.
 */
export async function writeJoinedPayload(
  db: D1Database,
  project: string,
  eventId: string,
  span: SpanRef,
  payloadJson: string,
  joinedRecords: number,
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE events SET payload = ?3 WHERE project = ?1 AND event_id = ?2
       AND (SELECT count(*) FROM otlp_log_records WHERE project = ?1 AND trace_id = ?4 AND span_id = ?5) = ?6`,
    )
    .bind(project, eventId, payloadJson, span.traceId, span.spanId, joinedRecords)
    .run();
  return result.meta.changes > 0;
}

/** How many records each span has now. */
export async function countLogRecords(db: D1Database, project: string, spans: readonly SpanRef[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (spans.length === 0) return out;
  const { results } = await db
    .prepare(
      `SELECT r.trace_id, r.span_id, count(*) AS n FROM json_each(?2) AS s
       JOIN otlp_log_records r ON r.project = ?1 AND r.trace_id = s.value ->> '$[0]' AND r.span_id = s.value ->> '$[1]'
       GROUP BY r.trace_id, r.span_id`,
    )
    .bind(project, JSON.stringify(spans.map((s) => [s.traceId, s.spanId])))
    .all<{ trace_id: string; span_id: string; n: number }>();
  for (const r of results) out.set(`${r.trace_id}:${r.span_id}`, r.n);
  return out;
}

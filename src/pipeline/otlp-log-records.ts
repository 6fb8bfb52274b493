import { commitTogether } from "../adapters/commit";
import { incrementCounter } from "../adapters/counters";
import { findEvents } from "../adapters/event-store";
import { log } from "../adapters/log";
import { sendPerIds } from "../adapters/queue-send";
import { countLogRecords, insertLogRecords, type LogRecordRow, loadLogRecords, type SpanRef, spanKey, writeJoinedPayload } from "../adapters/log-record-store";
import type { Config } from "../config";
import { validateItems } from "../domain/ingest-batch";
import { joinLogRecords, type LogRecordMapping } from "../domain/otlp-logs";
import { isProblem } from "../domain/problem";
import { labelValue } from "../domain/prometheus";
import { redactionRules, redactValue } from "../domain/redaction";
import { sha256Hex } from "../domain/sha256";
import type { Env } from "../env";

/*
 * GenAI log records (semconv 1.28–1.36) joined to their span's event, whichever arrives first:
 *  - records first: they wait in otlp_log_records; the span's event is ingested with them joined;
 *  - span first: its event is stored and scored as it came; each later export of records
 *    rebuilds its messages from all the span's records and asks for a re-score.
 * The messages depend only on the set of records (ordered by time), never on arrival order, and a
 * replayed export stores nothing twice, so the join is idempotent like late feedback.
 */

export interface LogRecordSummary {
  accepted: number;
  duplicates: number;
  rejected: { path: string; message: string }[];
  /** Stored events whose messages the new records rebuilt. */
  joined: number;
}

const ATTEMPTS = 4;

/** Validates (size), redacts and stores a request's GenAI records, then joins them to the events already stored for their spans. */
export async function storeLogRecords(env: Env, config: Config, project: string, mapping: LogRecordMapping, requestId: string): Promise<LogRecordSummary> {
  const rules = redactionRules({ emails: config.REDACT_EMAILS, disabledKinds: config.REDACTION_DISABLED });
  const counts = new Map<string, number>();
  const rejected = [...mapping.invalid];
  const rows: LogRecordRow[] = [];
  const occurrences = new Map<string, number>();
  for (const [i, record] of mapping.records.entries()) {
    const body = redactValue(record.body, rules, counts);
    const bodyJson = JSON.stringify(body);
    if (new TextEncoder().encode(bodyJson).byteLength > config.MAX_EVENT_BYTES) {
      rejected.push({ path: `records.${i}`, message: `the record's body is over MAX_EVENT_BYTES (${config.MAX_EVENT_BYTES} bytes)` });
      continue;
    }
    // Identical records of one export (the same message twice at the same instant) stay two; the same record in a later export is one.
    const identity = `${record.traceId}\n${record.spanId}\n${record.timeUnixNano}\n${record.name}\n${bodyJson}`;
    const occurrence = occurrences.get(identity) ?? 0;
    occurrences.set(identity, occurrence + 1);
    const key = await sha256Hex(`${identity}\n${occurrence}`);
    rows.push({
      key,
      traceId: record.traceId,
      spanId: record.spanId,
      timeUnixNano: record.timeUnixNano,
      position: record.position,
      name: record.name,
      bodyJson,
    });
  }
  const inserted = await insertLogRecords(env.DB, project, rows, Date.now());
  const counters = [...counts].map(([kind, n]) =>
    incrementCounter(env.DB, "redactions_total", n, `kind="${labelValue(kind)}",project="${labelValue(project)}"`),
  );
  if (counters.length) await commitTogether(env.DB, counters);
  const spans = uniqueSpans(rows.filter((r) => inserted.has(r.key)));
  const joined = await joinStoredEvents(env, config, project, spans, requestId);
  return { accepted: inserted.size, duplicates: rows.length - inserted.size, rejected, joined };
}

/** The records waiting for these span events, joined into them before they are ingested. Returns the spans whose event took records. */
export async function joinWaitingRecords(env: Env, project: string, events: Record<string, unknown>[]): Promise<Map<string, number>> {
  const spans = events.flatMap((e) => (typeof e.trace_id === "string" && typeof e.span_id === "string" ? [{ traceId: e.trace_id, spanId: e.span_id }] : []));
  const joinedCounts = new Map<string, number>();
  if (spans.length === 0) return joinedCounts;
  const waiting = await loadLogRecords(env.DB, project, spans);
  events.forEach((event, i) => {
    const key = `${event.trace_id}:${event.span_id}`;
    const records = waiting.get(key);
    if (!records) return;
    const joined = joinLogRecords(event, records);
    if (joined) {
      events[i] = joined;
      joinedCounts.set(key, records.length);
    }
  });
  return joinedCounts;
}

/**
 * After span events were ingested: records that arrived while the span's export was in
 * flight (after its records were read) are joined now, so neither order can miss them.
 */
export async function joinRecordsMissedByIngest(
  env: Env,
  config: Config,
  project: string,
  events: Record<string, unknown>[],
  joinedCounts: Map<string, number>,
  requestId: string,
) {
  const spans = events.flatMap((e) => (typeof e.trace_id === "string" && typeof e.span_id === "string" ? [{ traceId: e.trace_id, spanId: e.span_id }] : []));
  if (spans.length === 0) return 0;
  const now = await countLogRecords(env.DB, project, spans);
  const missed = spans.filter((s) => (now.get(spanKey(s)) ?? 0) !== (joinedCounts.get(spanKey(s)) ?? 0));
  return missed.length ? joinStoredEvents(env, config, project, missed, requestId) : 0;
}

/** Rebuilds the stored events of these spans from all their records; asks for a re-score of those already scored. */
async function joinStoredEvents(env: Env, config: Config, project: string, spans: SpanRef[], requestId: string): Promise<number> {
  const rules = redactionRules({ emails: config.REDACT_EMAILS, disabledKinds: config.REDACTION_DISABLED });
  let pending = spans;
  const joinedIds = new Set<string>();
  const rescore = new Set<string>();
  for (let attempt = 0; attempt < ATTEMPTS && pending.length > 0; attempt++) {
    const [records, events] = await Promise.all([loadLogRecords(env.DB, project, pending), findEvents(env.DB, project, pending.map(spanKey))]);
    const byId = new Map(events.map((e) => [e.eventId, e]));
    const retry: SpanRef[] = [];
    for (const span of pending) {
      const stored = byId.get(spanKey(span));
      const list = records.get(spanKey(span));
      if (!stored || !list) continue;
      const joined = joinLogRecords(stored.event as Record<string, unknown>, list);
      if (!joined) continue;
      // The joined event goes through ingest's validation and redaction, like any stored event.
      const { schema_version: _v, ...value } = joined;
      const validated = validateItems([{ value }], { maxEventsPerRequest: 1, maxEventBytes: config.MAX_EVENT_BYTES, redaction: rules, internal: true });
      const valid = isProblem(validated) ? undefined : validated.valid[0];
      if (!valid) {
        log("warn", "joined log records make the event invalid; the event keeps its messages", { request_id: requestId, event_id: stored.eventId });
        continue;
      }
      if (await writeJoinedPayload(env.DB, project, stored.eventId, span, valid.json, list.length)) {
        joinedIds.add(stored.eventId);
        if (stored.status === "processed") rescore.add(stored.eventId);
      } else retry.push(span);
    }
    pending = retry;
  }
  if (pending.length) log("warn", "log records kept arriving while joining; the next export joins them", { request_id: requestId, spans: pending.length });
  const error = await sendPerIds(env.TELEMETRY_QUEUE, [...rescore], (event_ids) => ({
    kind: "rescore" as const,
    project,
    event_ids,
    reason: "content" as const,
    request_id: requestId,
  }));
  if (error) log("warn", "re-score enqueue failed; the event keeps its earlier score until re-scored", { request_id: requestId, events: rescore.size, error });
  return joinedIds.size;
}

function uniqueSpans(rows: readonly Pick<LogRecordRow, "traceId" | "spanId">[]): SpanRef[] {
  const out = new Map<string, SpanRef>();
  for (const r of rows) out.set(spanKey(r), { traceId: r.traceId, spanId: r.spanId });
  return [...out.values()];
}

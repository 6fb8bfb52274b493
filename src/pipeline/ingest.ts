import { commitTogether } from "../adapters/commit";
import { incrementCounter } from "../adapters/counters";
import { storeChunks } from "../adapters/event-store";
import { observeStageDuration } from "../adapters/histograms";
import { BufferedNudges } from "../adapters/queue-nudges";
import { log } from "../adapters/log";
import { randomId } from "../adapters/random-ids";
import { CHUNK_MAX_BYTES, CHUNK_MAX_EVENTS, type Config, readConfig } from "../config";
import { chunkEvents, validateItems, type BodyProblem, type EventResult, type splitBody, type ValidEvent } from "../domain/ingest-batch";
import { isProblem } from "../domain/problem";
import { labelValue } from "../domain/prometheus";
import type { TelemetryMessage } from "../domain/queue-messages";
import { redactionRules } from "../domain/redaction";
import type { Env } from "../env";

export interface IngestSummary {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: EventResult[];
}

type RawItems = Exclude<ReturnType<typeof splitBody>, BodyProblem>;

export interface IngestOptions {
  /** Events Gleaner records itself (the proxy's log): allowed the reserved id prefixes. */
  internal?: boolean;
  /** The configuration the caller already parsed for this request or batch; read from env when absent. */
  config?: Config;
  /**
   * The request's context: its queue nudges are then sent with other requests'
   * a moment after the answer (BufferedNudges); without one they are sent before it.
   */
  ctx?: Pick<ExecutionContext, "waitUntil">;
}

/** How long a nudge waits for others to share its sendBatch call: far under the consumer's own batch wait (1 s). */
export const NUDGE_GATHER_MS = 25;
const nudges = new BufferedNudges<TelemetryMessage>(NUDGE_GATHER_MS);

/**
 * The one ingest path (HTTP, OTLP, legacy shipper, proxy log, restores):
 * validate and scrub each item, commit the accepted ones to the D1 inbox in
 * one transaction, then send one queue message per chunk. The queue is only a
 * nudge: if the send fails, the relay cron re-enqueues the chunk.
 */
export async function ingestItems(
  env: Env,
  project: string,
  items: RawItems,
  requestId: string,
  started: number,
  options: IngestOptions = {},
): Promise<IngestSummary | BodyProblem> {
  const config = options.config ?? readConfig(env);
  const validated = validateItems(items, {
    maxEventsPerRequest: config.MAX_EVENTS_PER_REQUEST,
    maxEventBytes: config.MAX_EVENT_BYTES,
    redaction: redactionRules({ emails: config.REDACT_EMAILS, disabledKinds: config.REDACTION_DISABLED }),
    ...(options.internal ? { internal: true } : {}),
  });
  if (isProblem(validated)) return validated;
  const chunks = chunkEvents(validated.valid, CHUNK_MAX_EVENTS, CHUNK_MAX_BYTES).map((events) => ({ batchId: randomId(20), events }));
  const repeatedInRequest = validated.results.filter((r) => r.status === "duplicate").length;
  const alongWith = [
    observeStageDuration(env.DB, "ingest", (Date.now() - started) / 1000),
    ...[...validated.redactions].map(([kind, n]) =>
      incrementCounter(env.DB, "redactions_total", n, `kind="${labelValue(kind)}",project="${labelValue(project)}"`),
    ),
  ];
  let results = validated.results;
  let stored: { inserted: Set<string>; storedBatchIds: string[] };
  try {
    const rejected = results.filter((r) => r.status === "rejected").length;
    stored = await storeChunks(env.DB, project, chunks, Date.now(), { rejected, repeatedInRequest }, alongWith);
  } catch (err) {
    ({ stored, results } = await storeOneByOne(env.DB, project, validated.valid, results, repeatedInRequest, alongWith, err, requestId));
  }
  const { inserted, storedBatchIds } = stored;
  results = results.map((r) => (r.status === "accepted" && !inserted.has(r.id) ? { ...r, status: "duplicate" } : r));

  if (storedBatchIds.length > 0) {
    const bodies = storedBatchIds.map((batch_id): TelemetryMessage => ({ kind: "ingest_batch", batch_id, project, request_id: requestId }));
    if (options.ctx) nudges.add(env.TELEMETRY_QUEUE, bodies, options.ctx, requestId);
    else {
      try {
        await env.TELEMETRY_QUEUE.sendBatch(bodies.map((body) => ({ body })));
      } catch (err) {
        log("warn", "enqueue failed; the relay cron will re-enqueue", { request_id: requestId, chunks: storedBatchIds.length, error: err });
      }
    }
  }
  return {
    accepted: results.filter((r) => r.status === "accepted").length,
    duplicates: results.filter((r) => r.status === "duplicate").length,
    rejected: results.filter((r) => r.status === "rejected").length,
    results,
  };
}

/**
 * The fallback when the database refused the request's transaction: each
 * event is written alone, so one row the database refuses becomes that
 * event's rejection and the others are stored. When every write fails the
 * database itself is failing: the first error is rethrown (a 5xx the producer retries).
 */
async function storeOneByOne(
  db: D1Database,
  project: string,
  valid: readonly ValidEvent[],
  results: EventResult[],
  repeatedInRequest: number,
  alongWith: readonly D1PreparedStatement[],
  firstError: unknown,
  requestId: string,
): Promise<{ stored: { inserted: Set<string>; storedBatchIds: string[] }; results: EventResult[] }> {
  const inserted = new Set<string>();
  const storedBatchIds: string[] = [];
  const refused = new Map<number, string>();
  for (const event of valid) {
    try {
      const one = await storeChunks(db, project, [{ batchId: randomId(20), events: [event] }], Date.now(), { rejected: 0, repeatedInRequest: 0 });
      for (const id of one.inserted) inserted.add(id);
      storedBatchIds.push(...one.storedBatchIds);
    } catch (err) {
      refused.set(event.index, err instanceof Error ? err.message : String(err));
    }
  }
  if (refused.size === valid.length) throw firstError;
  log("warn", "the database refused some events of a request; they are rejected, the others stored", { request_id: requestId, refused: refused.size });
  const next = results.map((r): EventResult => {
    const reason = refused.get(r.index);
    if (reason === undefined) return r;
    return {
      index: r.index,
      ...(r.id ? { id: r.id } : {}),
      status: "rejected",
      errors: [{ path: "", message: `the database refused this event: ${databaseReason(reason)}`, code: "refused" }],
    };
  });
  const rejected = next.filter((r) => r.status === "rejected").length;
  await commitTogether(db, [
    incrementCounter(db, "events_rejected_total", rejected, 'reason="invalid"'),
    incrementCounter(db, "duplicates_total", repeatedInRequest, ""),
    ...alongWith,
  ]);
  return { stored: { inserted, storedBatchIds }, results: next };
}

/** The constraint part of a D1 error, without internals (file paths, SQL). */
function databaseReason(message: string): string {
  const m =
    /(NOT NULL constraint failed|UNIQUE constraint failed|CHECK constraint failed|constraint failed|too big|malformed JSON|[A-Za-z ]+refused)[^\n]{0,80}/i.exec(
      message,
    );
  return m ? m[0].replace(/:\s*SQLITE_\w+$/, "") : "constraint failed";
}

import { incrementCounter } from "../adapters/counters";
import { storeChunks } from "../adapters/event-store";
import { observeStageDuration } from "../adapters/histograms";
import { log } from "../adapters/log";
import { randomId } from "../adapters/random-ids";
import { CHUNK_MAX_BYTES, CHUNK_MAX_EVENTS, readConfig } from "../config";
import { chunkEvents, validateItems, type BodyProblem, type EventResult, type splitBody } from "../domain/ingest-batch";
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

/**
 * The one ingest path (HTTP, legacy shipper, restores): validate and scrub
 * each item, commit the accepted ones to the D1 inbox in one transaction,
 * then send one queue message per chunk. The queue is only a nudge: if the
 * send fails, the relay cron re-enqueues the chunk.
 */
export async function ingestItems(env: Env, project: string, items: RawItems, requestId: string, started: number): Promise<IngestSummary | BodyProblem> {
  const config = readConfig(env);
  const validated = validateItems(items, {
    maxEventsPerRequest: config.MAX_EVENTS_PER_REQUEST,
    maxEventBytes: config.MAX_EVENT_BYTES,
    redaction: redactionRules({ emails: config.REDACT_EMAILS, disabledKinds: config.REDACTION_DISABLED }),
  });
  if ("status" in validated) return validated;
  const chunks = chunkEvents(validated.valid, CHUNK_MAX_EVENTS, CHUNK_MAX_BYTES).map((events) => ({ batchId: randomId(20), events }));
  const rejected = validated.results.filter((r) => r.status === "rejected").length;
  const repeatedInRequest = validated.results.filter((r) => r.status === "duplicate").length;
  const { inserted, storedBatchIds } = await storeChunks(env.DB, project, chunks, Date.now(), { rejected, repeatedInRequest }, [
    observeStageDuration(env.DB, "ingest", (Date.now() - started) / 1000),
    ...[...validated.redactions].map(([kind, n]) => incrementCounter(env.DB, "redactions_total", n, `kind="${kind}"`)),
  ]);
  const results: EventResult[] = validated.results.map((r) => (r.status === "accepted" && !inserted.has(r.id) ? { ...r, status: "duplicate" } : r));

  if (storedBatchIds.length > 0) {
    const messages = storedBatchIds.map((batch_id) => ({ body: { kind: "ingest_batch", batch_id, project, request_id: requestId } satisfies TelemetryMessage }));
    try {
      await env.TELEMETRY_QUEUE.sendBatch(messages);
    } catch (err) {
      log("warn", "enqueue failed; the relay cron will re-enqueue", { request_id: requestId, chunks: storedBatchIds.length, error: err });
    }
  }
  return {
    accepted: results.filter((r) => r.status === "accepted").length,
    duplicates: results.filter((r) => r.status === "duplicate").length,
    rejected,
    results,
  };
}

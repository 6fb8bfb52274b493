import { latestFinishedEnqueue, listStaleBatches, markRelayed } from "../adapters/batch-store";
import type { Config } from "../config";
import type { TelemetryMessage } from "../domain/queue-messages";
import type { Env } from "../env";

/** Messages per Queue.sendBatch call (the Queues limit). */
const SEND_BATCH_MAX = 100;

export interface RelayOptions {
  /** Overrides RELAY_AFTER_SECONDS, e.g. 0 right after a restart, when the in-memory queue is surely empty. */
  olderThanSeconds?: number;
}

/**
 * The outbox relay. Local queues live in memory, so a restart or crash loses
 * undelivered messages; the D1 inbox is the record. Every chunk not finished
 * within the relay delay is enqueued again. Consumers are idempotent, so a
 * chunk whose first message was merely slow is harmless to send twice.
 *
 * The scheduled run (no `olderThanSeconds`) leaves alone the chunks the queue
 * has not reached yet: when the consumer finished chunks within the delay, only
 * the stale chunks enqueued before the latest of those are presumed lost (the
 * queue delivers oldest first); a backlog is not enqueued a second time every
 * minute. When it finished nothing within the delay, every stale chunk is
 * relayed, as after a restart.
 */
export async function relayInbox(env: Env, config: Config, options: RelayOptions = {}) {
  const now = Date.now();
  const cutoff = now - 1000 * (options.olderThanSeconds ?? config.RELAY_AFTER_SECONDS);
  const reached = options.olderThanSeconds === undefined ? await latestFinishedEnqueue(env.DB, cutoff) : null;
  const before = reached === null ? cutoff : Math.min(cutoff, reached);
  let relayed = 0;
  while (relayed < config.RELAY_MAX_BATCHES) {
    const page = await listStaleBatches(env.DB, before, Math.min(SEND_BATCH_MAX, config.RELAY_MAX_BATCHES - relayed));
    if (page.length === 0) break;
    await env.TELEMETRY_QUEUE.sendBatch(
      page.map((b) => ({ body: { kind: "ingest_batch", batch_id: b.batch_id, project: b.project } satisfies TelemetryMessage })),
    );
    await markRelayed(
      env.DB,
      page.map((b) => b.batch_id),
      now,
    );
    relayed += page.length;
  }
  return { relayed_batches: relayed, cutoff: new Date(before).toISOString() };
}

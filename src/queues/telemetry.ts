import { incrementCounter } from "../adapters/counters";
import { parkDeadLetter } from "../adapters/dead-letters";
import { observeStageDuration } from "../adapters/histograms";
import { errorType, log } from "../adapters/log";
import { loadUnprocessedChunk, markChunkProcessed } from "../adapters/event-store";
import { telemetryQueueMessageSchema } from "../domain/queue-messages";
import { retryDelaySeconds, upcastEvent } from "../domain/upcast";
import type { Env } from "../env";
import { ingestItems } from "../pipeline/ingest";
import { scoreEvents, type ScoringDeps } from "../pipeline/score-events";
import { createScoringDeps } from "../pipeline/scoring-deps";

/**
 * Consumes ingest chunk references: upcast each stored event, score the
 * chunk, then mark it processed in the same transaction as its scores.
 * Idempotent: a redelivered or relayed message finds no `received` rows and
 * changes nothing.
 */
export async function consumeTelemetry(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  let deps: ScoringDeps | undefined;
  for (const message of batch.messages) {
    const parsed = telemetryQueueMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      await parkDeadLetter(
        env.DB,
        {
          id: message.id,
          queue: batch.queue,
          body: message.body,
          reason: `malformed message: ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`,
          attempts: message.attempts,
        },
        Date.now(),
      );
      message.ack();
      continue;
    }
    if (parsed.data.kind === "log_event") {
      const { project, event, request_id } = parsed.data;
      const summary = await ingestItems(env, project, [{ value: event }], request_id ?? message.id, Date.now(), { internal: true }).catch((err: unknown) => {
        log("warn", "queued event still cannot be written; retrying", { request_id, error: err });
        return null;
      });
      if (summary) message.ack();
      else message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      continue;
    }
    let done = false;
    const started = Date.now();
    try {
      const records = await loadUnprocessedChunk(env.DB, parsed.data.batch_id);
      for (const record of records) record.event = upcastEvent(record.event, record.schemaVersion);
      deps ??= await createScoringDeps(env);
      const now = Date.now();
      const { statements, scores } = await scoreEvents(deps, parsed.data.project, records, "ingest", now);
      const highValue = scores.filter((sc) => sc.highValue).map((sc) => sc.eventId);
      await markChunkProcessed(env.DB, parsed.data.batch_id, now, [
        ...statements,
        observeStageDuration(env.DB, "process", (Date.now() - started) / 1000),
      ]);
      log("info", "chunk processed", { request_id: parsed.data.request_id, batch_id: parsed.data.batch_id, events: records.length, high_value: highValue.length });
      await sendForExtraction(env, parsed.data.project, highValue, parsed.data.request_id);
      done = true;
    } catch (err) {
      log("error", "telemetry chunk failed; retrying", {
        request_id: parsed.data.request_id,
        batch_id: parsed.data.batch_id,
        attempts: message.attempts,
        error: err,
      });
      await incrementCounter(env.DB, "errors_total", 1, `stage="process",type="${errorType(err)}"`)
        .run()
        .catch(() => undefined);
    }
    if (done) message.ack();
    else message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}

/** Asks the extract queue for patterns; the extraction rows are already committed, so a failed send only delays them (the relay re-sends). */
async function sendForExtraction(env: Env, project: string, eventIds: string[], requestId: string | undefined): Promise<void> {
  const messages = [];
  for (let i = 0; i < eventIds.length; i += 100) {
    messages.push({ body: { kind: "extract" as const, project, event_ids: eventIds.slice(i, i + 100), ...(requestId ? { request_id: requestId } : {}) } });
  }
  if (messages.length === 0) return;
  try {
    await env.EXTRACT_QUEUE.sendBatch(messages);
  } catch (err) {
    log("warn", "extract enqueue failed; the relay will re-send", { request_id: requestId, error: err });
  }
}

import { DependencyUnavailableError } from "../adapters/breaker";
import { incrementCounter } from "../adapters/counters";
import { parkDeadLetter } from "../adapters/dead-letters";
import { observeStageDuration } from "../adapters/histograms";
import { errorType, log } from "../adapters/log";
import { extractMessageSchema } from "../domain/queue-messages";
import { retryDelaySeconds } from "../domain/upcast";
import type { Env } from "../env";
import { extractPatterns } from "../pipeline/extract-patterns";
import { createPatternDeps } from "../pipeline/pattern-deps";

/**
 * Consumes extract messages. When a dependency is unavailable the message is
 * retried with backoff (the breaker keeps calls from hammering it); the
 * extraction rows stay pending in D1 either way, so nothing is dropped.
 */
export async function consumeExtract(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const deps = createPatternDeps(env);
  for (const message of batch.messages) {
    const parsed = extractMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      await parkDeadLetter(env.DB, { id: message.id, queue: batch.queue, body: message.body, reason: `malformed message: ${parsed.error.issues[0]?.message}`, attempts: message.attempts }, Date.now());
      message.ack();
      continue;
    }
    const started = Date.now();
    let done = false;
    try {
      const result = await extractPatterns(deps, parsed.data.project, parsed.data.event_ids, started);
      await observeStageDuration(env.DB, "extract", (Date.now() - started) / 1000).run();
      log("info", "patterns extracted", { request_id: parsed.data.request_id, project: parsed.data.project, ...result });
      done = true;
    } catch (err) {
      const waiting = err instanceof DependencyUnavailableError;
      log(waiting ? "warn" : "error", waiting ? "extraction waits for a dependency" : "extraction failed", {
        request_id: parsed.data.request_id,
        error: err,
        attempts: message.attempts,
      });
      await incrementCounter(env.DB, "errors_total", 1, `stage="extract",type="${waiting ? "unavailable" : errorType(err)}"`)
        .run()
        .catch(() => undefined);
    }
    if (done) message.ack();
    else message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}

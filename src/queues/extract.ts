import { DependencyUnavailableError } from "../adapters/breaker";
import { incrementCounter } from "../adapters/counters";
import { observeStageDuration } from "../adapters/histograms";
import { errorType, log } from "../adapters/log";
import { sampledLine } from "../adapters/log-sampler";
import { extractMessageSchema } from "../domain/queue-messages";
import { readConfig } from "../config";
import type { Env } from "../env";
import { extractPatterns } from "../pipeline/extract-patterns";
import { patternDeps } from "../wiring";
import { consumeEach } from "./consume";

/**
 * Consumes extract messages. When a dependency is unavailable the message is
 * retried with backoff (the breaker keeps calls from hammering it); the
 * extraction rows stay pending in D1 either way, so nothing is dropped.
 */
export async function consumeExtract(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const config = readConfig(env);
  const deps = patternDeps(env, config);
  await consumeEach(batch, env, {
    schema: extractMessageSchema,
    async handle(body): Promise<undefined> {
      const started = Date.now();
      const result = await extractPatterns(deps, body.project, body.event_ids, started);
      await observeStageDuration(env.DB, "extract", (Date.now() - started) / 1000).run();
      // A routine success line: one a second, saying how many it stands for.
      const line = sampledLine("patterns extracted", Date.now());
      if (line.log)
        log("info", "patterns extracted", {
          request_id: body.request_id,
          project: body.project,
          ...result,
          ...(line.unlogged ? { unlogged: line.unlogged } : {}),
        });
    },
    async onRetry(error, body, message) {
      const waiting = error instanceof DependencyUnavailableError;
      log(waiting ? "warn" : "error", waiting ? "extraction waits for a dependency" : "extraction failed", {
        request_id: body.request_id,
        error,
        attempts: message.attempts,
      });
      await incrementCounter(env.DB, "errors_total", 1, `stage="extract",type="${waiting ? "unavailable" : errorType(error)}"`).run();
    },
  });
}

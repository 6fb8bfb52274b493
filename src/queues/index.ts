import type { Env } from "../env";
import { consumeDeadLetters } from "./dead-letter";
import { consumeExtract } from "./extract";
import { consumeTelemetry } from "./telemetry";

/** Queue names as in wrangler.toml; the dispatcher switches on them. */
export const QUEUES = {
  telemetry: "gleaner-telemetry",
  telemetryDeadLetters: "gleaner-telemetry-dlq",
  extract: "gleaner-extract",
  extractDeadLetters: "gleaner-extract-dlq",
} as const;

export async function queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  switch (batch.queue) {
    case QUEUES.telemetry:
      return consumeTelemetry(batch, env);
    case QUEUES.extract:
      return consumeExtract(batch, env);
    case QUEUES.telemetryDeadLetters:
    case QUEUES.extractDeadLetters:
      return consumeDeadLetters(batch, env);
    default:
      console.error("message from an unknown queue; retrying so nothing is lost", batch.queue);
      batch.retryAll({ delaySeconds: 60 });
  }
}

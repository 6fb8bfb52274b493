import { QUEUES } from "../domain/queue-names";
import type { Env } from "../env";
import { consumeDeadLetters } from "./dead-letter";
import { consumeExtract } from "./extract";
import { consumeTelemetry } from "./telemetry";

/** The worker's queue handler. No consumer needs `ctx`: each settles its messages before it returns. */
export async function queue(batch: MessageBatch<unknown>, env: Env, _ctx?: ExecutionContext): Promise<void> {
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

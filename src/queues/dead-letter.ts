import { parkDeadLetter } from "../adapters/dead-letters";
import type { Env } from "../env";

/** Parks every message that exhausted its retries in D1, with the reason, then acks it. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    await parkDeadLetter(
      env.DB,
      {
        id: message.id,
        queue: batch.queue,
        body: message.body,
        reason: `retries exhausted after ${message.attempts} attempts`,
        attempts: message.attempts,
      },
      Date.now(),
    );
    message.ack();
  }
}

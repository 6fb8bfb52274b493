import { parkDeadLetter } from "../adapters/dead-letters";
import { readConfig } from "../config";
import { redactionRules } from "../domain/redaction";
import type { Env } from "../env";

/** Parks every message that exhausted its retries in D1, scrubbed, with the reason, then acks it. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const config = readConfig(env);
  const rules = redactionRules({ emails: config.REDACT_EMAILS, disabledKinds: config.REDACTION_DISABLED });
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
      rules,
    );
    message.ack();
  }
}

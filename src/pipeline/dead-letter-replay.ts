import { claimForReplay, findDeadLetter, releaseReplay } from "../adapters/dead-letter-store";
import { telemetryQueueMessageSchema } from "../domain/queue-messages";
import { QUEUES } from "../domain/queue-names";
import type { Env } from "../env";

/** What a replay did, or why it could not. */
export type ReplayOutcome =
  | { id: string; status: "replayed"; queue: string }
  | { id: string; status: "already_replayed" }
  | { status: "not_found" }
  | { status: "not_replayable"; reason: string };

/**
 * Re-enqueues a dead letter's message on its original queue (a telemetry
 * dead-letter queue's letters go back to the telemetry queue). The claim is
 * taken before the send, so replaying twice sends once; a failed send
 * releases it for a later try. Only well-formed telemetry messages replay.
 *
 * @example
 * const outcome = await replayDeadLetter(env, "dl-1", Date.now());
 * if (outcome.status === "not_found") throw new ApiError(404, "not_found", "no dead letter 'dl-1'");
 */
export async function replayDeadLetter(env: Env, id: string, now: number): Promise<ReplayOutcome> {
  const letter = await findDeadLetter(env.DB, id);
  if (!letter) return { status: "not_found" };
  const queue = letter.queue === QUEUES.telemetryDeadLetters ? QUEUES.telemetry : letter.queue;
  const body = telemetryQueueMessageSchema.safeParse(JSON.parse(letter.body));
  if (queue !== QUEUES.telemetry || !body.success) return { status: "not_replayable", reason: letter.reason };
  if (!(await claimForReplay(env.DB, letter.id, now))) return { id: letter.id, status: "already_replayed" };
  try {
    await env.TELEMETRY_QUEUE.send(body.data);
  } catch (err) {
    await releaseReplay(env.DB, letter.id);
    throw err;
  }
  return { id: letter.id, status: "replayed", queue };
}

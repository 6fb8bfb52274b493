import type { z } from "zod";
import { parkDeadLetter } from "../adapters/dead-letters";
import { log } from "../adapters/log";
import { type FieldError, toFieldErrors } from "../domain/event-schema";
import type { Env } from "../env";

/** A handler's answer for a message that parsed but can never succeed (its event is invalid): park it. */
export interface Malformed {
  malformed: FieldError[];
}

/** One queue's consumer: the schema its bodies must match and the work for a valid one. */
export interface MessageConsumer<T> {
  schema: z.ZodType<T>;
  /** The work of one valid message. Resolving acks it; throwing retries it with backoff; `Malformed` parks it. */
  handle(body: T, message: Message<unknown>): Promise<Malformed | undefined>;
  /** Reports a failure before its retry (log line, error counter). A failing report does not stop the retry. */
  onRetry(error: unknown, body: T, message: Message<unknown>): Promise<void>;
}

/** Exponential queue retry delay in seconds: 5, 10, 20, … capped at 5 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(300, 5 * 2 ** Math.max(0, attempts - 1));
}

/** The dead-letter reason of a message that can never be processed, naming each field and why. */
export function malformedReason(errors: readonly FieldError[]): string {
  return `malformed message: ${errors.map((e) => `${e.path || "body"}: ${e.message}`).join("; ")}`;
}

async function park(env: Env, queue: string, message: Message<unknown>, errors: readonly FieldError[]): Promise<boolean> {
  try {
    await parkDeadLetter(env.DB, { id: message.id, queue, body: message.body, reason: malformedReason(errors), attempts: message.attempts }, Date.now());
    return true;
  } catch (err) {
    log("error", "dead letter could not be parked; retrying", { queue, message_id: message.id, error: err });
    return false;
  }
}

/**
 * Thrown by a handler whose message must wait for other work (not a failure): it is retried
 * after a short, growing delay (1, 2, 4, … 30 s) instead of the failure backoff.
 */
export class RetrySoon extends Error {}

/** The delay before a `RetrySoon` message is tried again. */
export function waitDelaySeconds(attempts: number): number {
  return Math.min(30, 2 ** Math.max(0, attempts - 1));
}

async function attempt<T>(env: Env, queue: string, consumer: MessageConsumer<T>, body: T, message: Message<unknown>): Promise<boolean | "soon"> {
  let outcome: Malformed | undefined;
  try {
    outcome = await consumer.handle(body, message);
  } catch (err) {
    await consumer.onRetry(err, body, message).catch(() => undefined);
    return err instanceof RetrySoon ? "soon" : false;
  }
  return outcome ? park(env, queue, message, outcome.malformed) : true;
}

/**
 * Hands workerd's one thread back to its event loop for a moment. Local D1 and the queue broker run in that same
 * thread, so a batch's statements follow each other without ever waiting on a socket: a consumer that never yields
 * keeps workerd from reading new requests until the batch is done (~13 s for 10 chunks of 500 events), and kept-alive
 * connections whose next request sat unread past workerd's 5 s pipeline wait are closed under their clients
 * (ECONNRESET). On Cloudflare D1 is a network call and this costs one timer tick.
 */
function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Settles each message of a batch on its own, so one failure never holds back
 * the rest: a body that does not match the schema is parked as a dead letter
 * with its reason, then acked (no retry can fix it); a valid one is acked when
 * its work is done and retried with backoff when it failed or when parking
 * it failed. Nothing is acked that was not done or parked. Between messages
 * it yields to the runtime's I/O (see `yieldToIo`).
 *
 * @example
 * await consumeEach(batch, env, { schema: extractMessageSchema, handle: (body) => extract(body), onRetry: async (err) => log("warn", "later", { error: err }) });
 */
export async function consumeEach<T>(batch: MessageBatch<unknown>, env: Env, consumer: MessageConsumer<T>): Promise<void> {
  for (const message of batch.messages) {
    const parsed = consumer.schema.safeParse(message.body);
    const settled = parsed.success
      ? await attempt(env, batch.queue, consumer, parsed.data, message)
      : await park(env, batch.queue, message, toFieldErrors(parsed.error));
    if (settled === true) message.ack();
    else message.retry({ delaySeconds: settled === "soon" ? waitDelaySeconds(message.attempts) : retryDelaySeconds(message.attempts) });
    await yieldToIo();
  }
}

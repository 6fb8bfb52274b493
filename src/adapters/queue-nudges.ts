import { log } from "./log";

/** Messages one sendBatch call carries at most (Cloudflare Queues' limit per call). */
const MAX_PER_SEND = 100;

/**
 * Queue messages that are only a nudge (the D1 inbox is the record and the
 * relay cron re-sends whatever no consumer finished), gathered in isolate
 * memory and sent together, `flushAfterMs` after the first of them, from that
 * request's `waitUntil`. Each sendBatch call costs the worker about as much as
 * validating a hundred events, whatever it carries: under load one call then
 * carries the chunks of several requests. What an isolate dies holding is sent
 * by the relay instead, later; nothing is lost.
 *
 * @example
 * const nudges = new BufferedNudges(50);
 * nudges.add(env.TELEMETRY_QUEUE, messages, c.executionCtx, requestId);
 */
export class BufferedNudges<Body> {
  /** By queue binding: a request's env (a test's) may hold another queue than the rest. */
  readonly #pending = new Map<Queue<Body>, Body[]>();
  /** When the pending flush was scheduled; undefined when none is. */
  #scheduledAt: number | undefined;

  constructor(readonly flushAfterMs: number) {}

  /** Adds the messages; schedules a flush on `ctx` unless one is pending (or the pending one is long overdue). */
  add(queue: Queue<Body>, bodies: readonly Body[], ctx: Pick<ExecutionContext, "waitUntil">, requestId: string): void {
    const list = this.#pending.get(queue);
    if (list) list.push(...bodies);
    else this.#pending.set(queue, [...bodies]);
    const now = Date.now();
    // A flush that never ran (its request was torn down) must not hold every later nudge back.
    if (this.#scheduledAt !== undefined && now - this.#scheduledAt < 20 * this.flushAfterMs + 1000) return;
    this.#scheduledAt = now;
    ctx.waitUntil(this.#flushLater(requestId));
  }

  async #flushLater(requestId: string): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.flushAfterMs));
    this.#scheduledAt = undefined;
    // Messages added while a send is in flight are sent by the next turn of the loop.
    for (let next = this.#pending.entries().next(); !next.done; next = this.#pending.entries().next()) {
      const [queue, bodies] = next.value;
      const due = bodies.splice(0, MAX_PER_SEND);
      if (bodies.length === 0) this.#pending.delete(queue);
      try {
        await queue.sendBatch(due.map((body) => ({ body })));
      } catch (err) {
        log("warn", "enqueue failed; the relay cron will re-enqueue", { request_id: requestId, chunks: due.length, error: err });
      }
    }
  }
}

import { incrementCounter, type CounterName } from "./counters";
import { log } from "./log";

/**
 * A D1 counter for events that arrive in floods (refused requests): increments
 * add up in isolate memory and reach D1 in one batch, `flushAfterMs` after the
 * first of them, from that request's `waitUntil`. One D1 write per refused
 * request would put a flood's weight on the database every other project's
 * ingest writes to: the load the refusal exists to keep away. What an isolate
 * dies holding is lost: a metric short by at most one window, never data.
 *
 * @example
 * const refusals = new BufferedCounter("rate_limited_total", 1000);
 * refusals.add(c.env.DB, 'class="search"', c.executionCtx);
 */
export class BufferedCounter {
  readonly #pending = new Map<string, number>();
  #flushScheduled = false;

  constructor(
    readonly name: CounterName,
    readonly flushAfterMs: number,
  ) {}

  /** Adds 1 to the series `labels`; schedules a flush on `ctx` if none is pending. */
  add(db: D1Database, labels: string, ctx: Pick<ExecutionContext, "waitUntil">): void {
    this.#pending.set(labels, (this.#pending.get(labels) ?? 0) + 1);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    ctx.waitUntil(this.#flushLater(db));
  }

  async #flushLater(db: D1Database): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.flushAfterMs));
    const due = [...this.#pending];
    this.#pending.clear();
    this.#flushScheduled = false;
    try {
      await db.batch(due.map(([labels, by]) => incrementCounter(db, this.name, by, labels)));
    } catch (err) {
      log("warn", "a buffered counter could not be written", { counter: this.name, error: err });
    }
  }
}

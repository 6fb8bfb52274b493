import { unref } from "./backoff.js";
import { deliverEvents, type BatchCaps } from "./delivery.js";
import { closedError, GleanerError } from "./errors.js";
import { completeEvent, utf8Length } from "./event.js";
import type { BufferedEvent } from "./journal.js";
import { traceCall, type TracedOptions } from "./openai.js";
import { resolveOptions, type GleanerClientOptions, type ResolvedOptions } from "./options.js";
import { postWithRetry, refusal, type Connection } from "./transport.js";
import type { BufferStats, EventVerdict, FeedbackAnswer, FeedbackInput, FlushReport, TrackEvent } from "./types.js";
import { VerdictLog } from "./verdict-log.js";

/** Creates a client that buffers events and sends them in the background. Call `close()` before the process ends. */
export function createGleanerClient(options: GleanerClientOptions): GleanerClient {
  return new GleanerClient(options);
}

interface SettleWaiter {
  upTo: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A Gleaner producer. Events wait in an in-memory buffer (and, with a journal,
 * on disk) until the server gives each a verdict: accepted, duplicate or
 * rejected. Nothing else removes an event: transient failures are retried,
 * refusals stop sending and are surfaced, and a full buffer blocks or spills.
 *
 * One batch is in flight at a time. Buffered events stay in sequence order:
 * the batch being sent, then the waiting ones, then the spilled ones, which is
 * what lets `flush()` wait for "everything tracked before me" by a number.
 */
export class GleanerClient {
  readonly #options: ResolvedOptions;
  readonly #conn: Connection;
  readonly #caps: BatchCaps;
  readonly #abort = new AbortController();
  readonly #opened: Promise<void>;
  #pending: BufferedEvent[] = [];
  #pendingBytes = 0;
  #inFlight: BufferedEvent[] = [];
  #inFlightBytes = 0;
  #sending: Promise<void> | null = null;
  #spilled = 0;
  #loading = false;
  #nextSeq = 1;
  /** Every waiting event with a sequence number up to this one is sent now, whatever the batch triggers say. */
  #drainTo = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #halted: GleanerError | null = null;
  #closed = false;
  #closing: Promise<FlushReport> | null = null;
  #roomWaiters: Array<() => void> = [];
  #settleWaiters: SettleWaiter[] = [];
  readonly #verdicts: VerdictLog;
  #holds = 0;
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(options: GleanerClientOptions) {
    this.#options = resolveOptions(options);
    const { url, key, fetch, requestTimeoutMs, retry, batchMaxEvents, batchMaxBytes } = this.#options;
    this.#conn = { url, key, fetch, requestTimeoutMs, retry, signal: this.#abort.signal };
    this.#caps = { maxEvents: batchMaxEvents, maxBytes: batchMaxBytes };
    this.#verdicts = new VerdictLog(this.#options.maxReportedVerdicts);
    this.#opened = this.#openJournal();
    this.#opened.catch((error: unknown) => this.#report(error));
  }

  /**
   * Buffers an event and resolves with its id once it is buffered (with a
   * journal: once it is on disk). Under the `block` policy it waits while the
   * buffer is full. Rejects only for an event that cannot be sent at all (no
   * type or source, not JSON) or a closed client; server-side validation
   * results come from `flush()` and `onResults`.
   */
  async track(input: TrackEvent): Promise<string> {
    this.#assertOpen();
    const event = completeEvent(input, this.#options.source);
    const json = JSON.stringify(event);
    const bytes = utf8Length(json);
    await this.#opened;
    if (this.#options.onBufferFull === "block") {
      while (this.#spilled > 0 || !this.#hasRoom(bytes)) {
        // Sending has stopped on a refusal: no room will come until someone flushes, so say why instead of hanging.
        if (this.#halted) throw this.#halted;
        await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
        this.#assertOpen();
      }
    }
    this.#assertOpen();
    const entry: BufferedEvent = { seq: this.#nextSeq++, id: event.id, json, bytes };
    const spill = this.#spilled > 0 || !this.#hasRoom(bytes);
    if (spill) this.#spilled++;
    else {
      this.#pending.push(entry);
      this.#pendingBytes += bytes;
    }
    const written = this.#options.journal?.append([entry], spill);
    this.#kick();
    if (written) {
      try {
        await written;
      } catch (error) {
        // A spilled event that never reached the disk is nowhere: the caller hears of it here. One held in
        // memory is still sent; only its crash safety was lost.
        if (spill) this.#spilled--;
        throw error;
      }
    }
    return event.id;
  }

  /**
   * Sends everything tracked before this call and resolves, once each of those
   * events has a verdict, with every verdict that came in since the previous
   * flush. While the server is unreachable it keeps retrying; `timeoutMs`
   * bounds the wait (the events stay buffered). Rejects with the GleanerError
   * when the server refuses the requests themselves (bad key, wrong URL).
   */
  async flush(options: { timeoutMs?: number } = {}): Promise<FlushReport> {
    await this.#opened;
    await this.#settled(this.#nextSeq - 1, options.timeoutMs);
    return this.#verdicts.takeReport();
  }

  /**
   * Flushes, then stops timers and retries and releases the journal. With
   * `timeoutMs`, gives up waiting after that long: with a journal, what is
   * still unsent is resent by the next client on the same file; without one it
   * is lost, and the rejection says how many.
   */
  close(options: { timeoutMs?: number } = {}): Promise<FlushReport> {
    this.#closing ??= this.#shutDown(options.timeoutMs);
    return this.#closing;
  }

  /**
   * Sends feedback now (it is not buffered), retrying transient failures like
   * events. Resolves with the server's answer; rejects with a GleanerError
   * carrying the field and reason when the server refuses it.
   */
  async feedback(input: FeedbackInput): Promise<FeedbackAnswer> {
    this.#assertOpen();
    if ((input.event_id === undefined) === (input.interaction_id === undefined)) {
      throw new TypeError("feedback(): give exactly one of event_id or interaction_id");
    }
    const answer = await postWithRetry(this.#conn, "/v1/feedback", JSON.stringify(input));
    if (answer.status >= 200 && answer.status < 300) return answer.body as FeedbackAnswer;
    throw refusal(answer, "POST /v1/feedback was refused");
  }

  /**
   * Runs an OpenAI-compatible call and tracks one event with its query,
   * response, model, tokens and latency (outcome `failure` and the error when
   * it throws). The call's result or error comes back unchanged; a streamed
   * result is recorded when the stream ends.
   */
  traced<T>(call: () => Promise<T>, options: TracedOptions = {}): Promise<T> {
    return traceCall(this, call, options);
  }

  /** What the buffer holds now. */
  stats(): BufferStats {
    return { inMemory: this.#pending.length + this.#inFlight.length, inMemoryBytes: this.#pendingBytes + this.#inFlightBytes, spilled: this.#spilled };
  }

  /** Hands an error to `onError` (console.error when there is none); used by the helpers too. */
  reportError(error: unknown): void {
    this.#report(error);
  }

  async #openJournal(): Promise<void> {
    const journal = this.#options.journal;
    if (!journal) return;
    const { unsent, nextSeq, warning } = await journal.open();
    if (warning) this.#report(new GleanerError(warning, "journal_damaged"));
    this.#nextSeq = nextSeq;
    this.#spilled = unsent;
    // What an earlier run left is sent right away.
    this.#drainTo = nextSeq - 1;
    this.#kick();
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }

  #hasRoom(bytes: number): boolean {
    const events = this.#pending.length + this.#inFlight.length;
    if (events === 0) return true;
    return events < this.#options.maxBufferedEvents && this.#pendingBytes + this.#inFlightBytes + bytes <= this.#options.maxBufferedBytes;
  }

  /** Starts whatever work is due: reading spilled events back, sending a batch, or arming the timer. */
  #kick(): void {
    if (this.#abort.signal.aborted) return;
    this.#loadSpilled();
    if (this.#sending || this.#halted) return;
    const head = this.#pending[0];
    if (!head) return;
    const due = head.seq <= this.#drainTo || this.#pending.length >= this.#caps.maxEvents || this.#pendingBytes >= this.#caps.maxBytes;
    if (!due) {
      this.#armTimer();
      return;
    }
    this.#sending = this.#sendBatch().finally(() => {
      this.#sending = null;
      this.#kick();
    });
  }

  #armTimer(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#drainTo = Math.max(this.#drainTo, this.#nextSeq - 1);
      this.#kick();
    }, this.#options.flushIntervalMs);
    unref(this.#timer);
  }

  async #sendBatch(): Promise<void> {
    let count = 0;
    let bytes = 0;
    for (const event of this.#pending) {
      if (count > 0 && (count >= this.#caps.maxEvents || bytes + event.bytes > this.#caps.maxBytes)) break;
      count++;
      bytes += event.bytes;
    }
    this.#inFlight = this.#pending.splice(0, count);
    this.#inFlightBytes = bytes;
    this.#pendingBytes -= bytes;
    try {
      await deliverEvents(this.#conn, this.#inFlight, this.#caps, (events, verdicts) => this.#settle(events, verdicts));
    } catch (error) {
      // No verdict: the unsettled events go back to the front, in order.
      this.#pending.unshift(...this.#inFlight);
      this.#pendingBytes += this.#inFlightBytes;
      this.#inFlight = [];
      this.#inFlightBytes = 0;
      if (!this.#abort.signal.aborted) this.#halt(error);
    }
  }

  #settle(events: BufferedEvent[], verdicts: EventVerdict[]): void {
    const seqs = new Set(events.map((e) => e.seq));
    this.#inFlight = this.#inFlight.filter((e) => !seqs.has(e.seq));
    this.#inFlightBytes -= events.reduce((sum, e) => sum + e.bytes, 0);
    // A lost settle record only means a resend, which the server answers "duplicate".
    this.#options.journal?.settle([...seqs]).catch((error: unknown) => this.#report(error));
    this.#verdicts.add(verdicts);
    try {
      this.#options.onResults?.(verdicts);
    } catch (error) {
      this.#report(error);
    }
    this.#wakeRoomWaiters();
    this.#loadSpilled();
    this.#resolveSettled();
  }

  /** Reads spilled events back into memory while there is room, in order. */
  #loadSpilled(): void {
    const journal = this.#options.journal;
    if (!journal || this.#spilled === 0 || this.#loading || this.#abort.signal.aborted) return;
    const inMemory = this.#pending.length + this.#inFlight.length;
    const roomEvents = this.#options.maxBufferedEvents - inMemory;
    const roomBytes = this.#options.maxBufferedBytes - this.#pendingBytes - this.#inFlightBytes;
    if (inMemory > 0 && (roomEvents <= 0 || roomBytes <= 0)) return;
    this.#loading = true;
    journal.readSpilled(Math.max(1, Math.min(roomEvents, this.#spilled)), Math.max(0, roomBytes)).then(
      (events) => {
        // Nothing readable although some were counted: their appends failed, and their track() said so.
        this.#spilled = events.length === 0 ? 0 : Math.max(0, this.#spilled - events.length);
        for (const event of events) {
          this.#pending.push(event);
          this.#pendingBytes += event.bytes;
        }
        this.#loading = false;
        this.#kick();
        this.#wakeRoomWaiters();
        this.#resolveSettled();
      },
      (error: unknown) => {
        this.#report(error);
        // Try again later rather than in a tight loop.
        const retry = setTimeout(() => {
          this.#loading = false;
          this.#kick();
        }, 1000);
        unref(retry);
      },
    );
  }

  #halt(error: unknown): void {
    const halt = error instanceof GleanerError ? error : new GleanerError(String(error), "internal");
    this.#halted = halt;
    for (const waiter of this.#settleWaiters.splice(0)) waiter.reject(halt);
    this.#wakeRoomWaiters();
    this.#report(halt);
  }

  /** The lowest sequence number without a verdict (-Infinity while spilled events are still unread). */
  #lowestUnsettled(): number {
    const first = this.#inFlight[0] ?? this.#pending[0];
    if (first) return first.seq;
    return this.#spilled > 0 || this.#loading ? -Infinity : Infinity;
  }

  /** Waits until every event up to `upTo` has a verdict, sending them now. */
  async #settled(upTo: number, timeoutMs: number | undefined): Promise<void> {
    this.#drainTo = Math.max(this.#drainTo, upTo);
    // An explicit flush tries again after a refusal.
    this.#halted = null;
    if (this.#lowestUnsettled() > upTo) return;
    if (this.#abort.signal.aborted) throw closedError();
    let timer: ReturnType<typeof setTimeout> | undefined;
    this.#hold(1);
    try {
      await new Promise<void>((resolve, reject) => {
        const waiter: SettleWaiter = { upTo, resolve, reject };
        this.#settleWaiters.push(waiter);
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            this.#settleWaiters = this.#settleWaiters.filter((w) => w !== waiter);
            const { inMemory, spilled } = this.stats();
            const message = `flush timed out after ${timeoutMs} ms; ${inMemory + spilled} events are still unsent and stay buffered`;
            reject(new GleanerError(message, "flush_timeout", undefined, { unsent: inMemory + spilled }));
          }, timeoutMs);
        }
        this.#kick();
      });
    } finally {
      clearTimeout(timer);
      this.#hold(-1);
    }
  }

  #resolveSettled(): void {
    if (this.#settleWaiters.length === 0) return;
    const lowest = this.#lowestUnsettled();
    this.#settleWaiters = this.#settleWaiters.filter((waiter) => {
      if (waiter.upTo >= lowest) return true;
      waiter.resolve();
      return false;
    });
  }

  #wakeRoomWaiters(): void {
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }

  /**
   * Keeps a Node process alive while someone awaits a flush: the retry and
   * batch timers are unref'd, so without this an `await client.flush()` during
   * an outage would let the process exit with the events unsent.
   */
  #hold(delta: number): void {
    this.#holds += delta;
    if (this.#holds > 0 && !this.#keepAlive) this.#keepAlive = setInterval(() => {}, 60_000);
    if (this.#holds === 0 && this.#keepAlive) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
    }
  }

  async #shutDown(timeoutMs: number | undefined): Promise<FlushReport> {
    this.#closed = true;
    this.#wakeRoomWaiters();
    try {
      return await this.flush({ timeoutMs });
    } catch (error) {
      if (!(error instanceof GleanerError) || error.code !== "flush_timeout") throw error;
      const { unsent } = error.details as { unsent: number };
      const fate = this.#options.journal ? "stay in the journal: the next client on it resends them" : "are lost with this client";
      throw new GleanerError(`close timed out after ${timeoutMs} ms; ${unsent} unsent events ${fate}`, "flush_timeout", undefined, error.details);
    } finally {
      this.#abort.abort(closedError());
      clearTimeout(this.#timer);
      await this.#sending;
      for (const waiter of this.#settleWaiters.splice(0)) waiter.reject(closedError());
      await this.#options.journal?.close();
    }
  }

  #report(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.#options.onError) {
      try {
        this.#options.onError(err);
      } catch {
        // An onError that throws has nowhere left to report to.
      }
    } else console.error("gleaner sdk:", err.message);
  }
}

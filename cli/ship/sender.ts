import { backoffDelay, retryAfterMs, sleep, type RetryPolicy } from "./backoff";

/** The server's verdict on one envelope. */
export type EventOutcome = { status: "accepted" | "duplicate" } | { status: "rejected"; errors: { path: string; message: string }[] };

/** A failure that retrying cannot fix (wrong key, wrong URL): stop without moving the checkpoint. */
export class FatalSendError extends Error {}

export interface SenderOptions {
  url: string;
  key: string;
  retry: RetryPolicy;
  timeoutMs: number;
  /** Aborts backoff waits (SIGINT); an aborted send rejects with the signal's reason. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
  random?: () => number;
  /** Told about each retry, for the log. */
  onRetry?: (attempt: number, delayMs: number, why: string) => void;
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: { results?: unknown } };
  results?: unknown;
}

/** Statuses that mean the configuration is wrong, not the data: never counted as rejections. */
const FATAL = new Set([401, 403, 404, 405, 415]);

function rejectAll(count: number, message: string): EventOutcome[] {
  return Array.from({ length: count }, () => ({ status: "rejected" as const, errors: [{ path: "", message }] }));
}

function outcomesFrom(results: unknown, count: number): EventOutcome[] {
  if (!Array.isArray(results) || results.length !== count)
    throw new FatalSendError(`the server answered ${Array.isArray(results) ? results.length : "no"} results for ${count} events`);
  return results.map((r: { status?: string; errors?: { path: string; message: string }[] }) => {
    if (r.status === "accepted" || r.status === "duplicate") return { status: r.status };
    return { status: "rejected", errors: r.errors ?? [{ path: "", message: "rejected without a reason" }] };
  });
}

/**
 * Posts batches of envelopes to /v1/events and returns one outcome per envelope,
 * in order. Network errors, timeouts, 408, 429 and 5xx are retried with
 * exponential backoff and jitter (Retry-After honoured); a 413 splits the
 * batch; other 4xx answers are rejections, never retried.
 */
export class Sender {
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: SenderOptions) {
    this.endpoint = `${options.url.replace(/\/+$/, "")}/v1/events`;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** `events` are JSON texts of envelopes. */
  async send(events: readonly string[]): Promise<EventOutcome[]> {
    if (events.length === 0) return [];
    const res = await this.post(`{"events":[${events.join(",")}]}`);
    const body = (await res.json().catch(() => ({}))) as ErrorBody;
    if (res.ok) return outcomesFrom(body.results, events.length);
    const reason = `HTTP ${res.status} ${body.error?.code ?? ""}: ${body.error?.message ?? res.statusText}`.replace(" :", ":");
    if (res.status === 413 && events.length > 1) {
      const half = Math.ceil(events.length / 2);
      return [...(await this.send(events.slice(0, half))), ...(await this.send(events.slice(half)))];
    }
    if (FATAL.has(res.status)) throw new FatalSendError(reason);
    if (res.status === 400 && body.error?.code === "no_valid_events") return outcomesFrom(body.error.details?.results, events.length);
    return rejectAll(events.length, reason);
  }

  /** One POST, retried until it gets an answer that is not transient. */
  private async post(body: string): Promise<Response> {
    const { retry, signal } = this.options;
    for (let attempt = 1; ; attempt++) {
      let why: string;
      let wait: number | null = null;
      try {
        const res = await this.fetch(this.endpoint, {
          method: "POST",
          headers: { Authorization: `Bearer ${this.options.key}`, "Content-Type": "application/json" },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        if (res.status !== 408 && res.status !== 429 && res.status < 500) return res;
        why = `HTTP ${res.status}`;
        wait = retryAfterMs(res.headers.get("Retry-After"), Date.now());
        await res.arrayBuffer().catch(() => undefined);
      } catch (e) {
        why = (e as Error).cause ? `${(e as Error).message}: ${String(((e as Error).cause as Error).message ?? (e as Error).cause)}` : (e as Error).message;
      }
      if (attempt >= retry.maxAttempts) throw new Error(`gave up after ${attempt} attempts: ${why}`);
      const delay = wait ?? backoffDelay(attempt, retry, this.options.random);
      this.options.onRetry?.(attempt, delay, why);
      await sleep(delay, signal);
    }
  }
}

import { setTimeout as delayFor } from "node:timers/promises";
import { log } from "../../src/adapters/log";

export interface BackoffOptions {
  /** Tries in all, the first one included. */
  attempts: number;
  /** Wait before the second try; it doubles after each failure, up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Stops the retries (the runner is stopping); resolves false at once. */
  signal?: AbortSignal;
  /** Injectable for tests; resolves after `ms` or when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The runner's own calls to its worker: a few tries over ~half a minute, then the crons take over. */
export const INTERNAL_CALL_BACKOFF: BackoffOptions = { attempts: 6, firstDelayMs: 500, maxDelayMs: 8_000 };

/** The runner's cron dispatch: retried within the minute, before the next run of the same cron. */
export const CRON_DISPATCH_BACKOFF: BackoffOptions = { attempts: 3, firstDelayMs: 1_000, maxDelayMs: 4_000 };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delayFor(ms, undefined, { signal }).catch(() => undefined);
}

/** An error and its causes in one line: `fetch failed: connect ECONNREFUSED 127.0.0.1:8787`. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined && parts.length < 4; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? e.message : String(e));
  }
  return parts.join(": ");
}

/**
 * Calls `call` until it resolves, waiting with exponential backoff between
 * tries, and logs one JSON line per failure (`what`, the attempt, the reason).
 * Never rejects: a runner whose internal call failed keeps serving.
 * Resolves true once a try succeeded, false when all failed or it was stopped.
 *
 * @example
 * await retryWithBackoff("start-up relay", () => relay(), INTERNAL_CALL_BACKOFF);
 */
export async function retryWithBackoff(what: string, call: () => Promise<void>, options: BackoffOptions): Promise<boolean> {
  const wait = options.sleep ?? sleep;
  let delay = options.firstDelayMs;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    if (options.signal?.aborted) return false;
    try {
      await call();
      return true;
    } catch (err) {
      if (options.signal?.aborted) return false;
      const reason = describeError(err);
      if (attempt === options.attempts) {
        log("error", `${what} failed; giving up`, { attempts: attempt, reason });
        return false;
      }
      log("warn", `${what} failed; retrying`, { attempt, attempts: options.attempts, retry_in_ms: delay, reason });
      await wait(delay, options.signal);
      delay = Math.min(delay * 2, options.maxDelayMs);
    }
  }
  return false;
}

import type { RetryPolicy } from "./options.js";

/**
 * The wait before retry number `attempt` (0-based): exponential, capped, with
 * "equal jitter" (uniform between half the step and the step) so producers
 * that failed together do not retry together.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** attempt);
  return step / 2 + (random() * step) / 2;
}

/** Milliseconds a Retry-After header asks for (delta seconds or an HTTP date), or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Resolves after `ms`, or rejects with the signal's reason when it aborts. The
 * timer does not keep a Node process alive: a pending flush holds it open instead.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    unref(timer);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Node's timers have unref(); the Workers runtime's are plain numbers. */
export function unref(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}

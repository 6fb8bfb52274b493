import type { CircuitState } from "cockatiel";

export interface BreakerOptions {
  /** Each call is abandoned after this long (and counts as a failure). */
  timeoutMs: number;
  /** Consecutive failures that open the circuit. */
  failuresToOpen: number;
  /** How long an open circuit waits before one half-open probe call. */
  halfOpenAfterMs: number;
  /** Keep the call's signal alive after it returns (a streamed body is still being read). */
  keepSignalAfterReturn?: boolean;
}

export const DEFAULT_BREAKER: BreakerOptions = { timeoutMs: 10_000, failuresToOpen: 5, halfOpenAfterMs: 30_000 };

/** Thrown instead of calling a dependency whose circuit is open: the work must wait, not be dropped. */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: string,
    reason: string,
  ) {
    super(`${dependency} unavailable: ${reason}`);
    this.name = "DependencyUnavailableError";
  }
}

/** cockatiel's CircuitState values: Closed 0, Open 1, HalfOpen 2, Isolated 3. */
const STATE_NAME: Record<CircuitState, "closed" | "open" | "half_open"> = { 0: "closed", 1: "open", 2: "half_open", 3: "open" };

/**
 * Calls `fn` with a timeout behind a circuit breaker (cockatiel) whose state
 * is loaded from and saved to D1 around the call: isolates are short-lived,
 * so in-memory breaker state would reset on every invocation.
 */
export async function callWithBreaker<T>(
  db: D1Database,
  dependency: string,
  options: BreakerOptions,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  // Loaded lazily: cockatiel creates and aborts an AbortController when its module
  // is evaluated, which workerd forbids in the global scope of a worker.
  const { BrokenCircuitError, ConsecutiveBreaker, circuitBreaker, handleAll, TaskCancelledError, timeout, TimeoutStrategy, wrap } = await import("cockatiel");
  const row = await db.prepare("SELECT serialized FROM breakers WHERE dependency = ?1").bind(dependency).first<{ serialized: string }>();
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.failuresToOpen),
    ...(row ? { initialState: JSON.parse(row.serialized) as unknown } : {}),
  });
  const policy = wrap(breaker, timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: !options.keepSignalAfterReturn }));
  const before = row?.serialized;
  let failure: unknown;
  try {
    // A fresh parent signal per call: cockatiel's module-level default would tie
    // listeners to an earlier request, which workerd forbids across requests.
    return await policy.execute(({ signal }) => fn(signal), new AbortController().signal);
  } catch (err) {
    failure = err;
    if (err instanceof BrokenCircuitError) throw new DependencyUnavailableError(dependency, "circuit open");
    if (err instanceof TaskCancelledError) throw new DependencyUnavailableError(dependency, `no answer within ${options.timeoutMs} ms`);
    throw err;
  } finally {
    const serialized = JSON.stringify(breaker.toJSON());
    if (serialized !== before) {
      const state = STATE_NAME[breaker.state];
      await db
        .prepare(
          `INSERT INTO breakers (dependency, state, serialized, opened_at, last_failure, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
           ON CONFLICT (dependency) DO UPDATE SET state = excluded.state, serialized = excluded.serialized,
             opened_at = CASE WHEN excluded.state = 'closed' THEN NULL ELSE coalesce(breakers.opened_at, excluded.opened_at) END,
             last_failure = coalesce(excluded.last_failure, breakers.last_failure), updated_at = excluded.updated_at`,
        )
        .bind(dependency, state, serialized, state === "closed" ? null : Date.now(), failure instanceof Error ? failure.message.slice(0, 300) : null, Date.now())
        .run();
    }
  }
}

/** The saved state of a dependency's circuit (closed when never used). */
export async function breakerState(db: D1Database, dependency: string): Promise<"closed" | "open" | "half_open"> {
  const row = await db.prepare("SELECT state FROM breakers WHERE dependency = ?1").bind(dependency).first<{ state: "closed" | "open" | "half_open" }>();
  return row?.state ?? "closed";
}

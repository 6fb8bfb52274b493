import { type Config, DEFAULTS } from "../config";

export interface BreakerOptions {
  /** Each call is abandoned after this long (and counts as a failure): a real timer, as it bounds real I/O. */
  timeoutMs: number;
  /** Consecutive failures that open the circuit. */
  failuresToOpen: number;
  /** How long an open circuit waits before one half-open probe call. */
  halfOpenAfterMs: number;
  /** Keep the call's signal alive after it returns (a streamed body is still being read). */
  keepSignalAfterReturn?: boolean;
  /** The clock an open circuit's wait is measured by, in ms since the epoch (default `Date.now`). */
  now?: () => number;
}

/**
 * Every dependency's breaker reads the same three settings; `extra` adds what
 * one caller needs (a streamed answer keeps its signal, a test its clock).
 *
 * @example
 * callWithBreaker(env.DB, "llm", breakerOptions(readConfig(env)), (signal) => fetch(url, { signal }));
 */
export function breakerOptions(
  config: Pick<Config, "OUTBOUND_TIMEOUT_MS" | "BREAKER_FAILURES" | "BREAKER_HALF_OPEN_SECONDS">,
  extra: Pick<BreakerOptions, "keepSignalAfterReturn" | "now"> = {},
): BreakerOptions {
  return {
    timeoutMs: config.OUTBOUND_TIMEOUT_MS,
    failuresToOpen: config.BREAKER_FAILURES,
    halfOpenAfterMs: config.BREAKER_HALF_OPEN_SECONDS * 1000,
    ...extra,
  };
}

export const DEFAULT_BREAKER: BreakerOptions = breakerOptions(DEFAULTS);

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

type CircuitState = "closed" | "open" | "half_open";

interface Circuit {
  state: CircuitState;
  /** Consecutive failures while closed. */
  failures: number;
  /** When the circuit last opened (by the breaker's clock); null while closed. */
  openedAt: number | null;
}

const CLOSED: Circuit = { state: "closed", failures: 0, openedAt: null };

async function loadCircuit(db: D1Database, dependency: string): Promise<Circuit> {
  const row = await db
    .prepare("SELECT state, serialized, opened_at FROM breakers WHERE dependency = ?1")
    .bind(dependency)
    .first<{ state: CircuitState; serialized: string; opened_at: number | null }>();
  if (!row) return CLOSED;
  // Rows saved by the earlier cockatiel-based breaker carry no `failures`: they count from zero.
  const { failures } = JSON.parse(row.serialized) as { failures?: unknown };
  return { state: row.state, failures: typeof failures === "number" ? failures : 0, openedAt: row.opened_at };
}

async function saveCircuit(db: D1Database, dependency: string, circuit: Circuit, failure: unknown, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO breakers (dependency, state, serialized, opened_at, last_failure, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (dependency) DO UPDATE SET state = excluded.state, serialized = excluded.serialized, opened_at = excluded.opened_at,
         last_failure = coalesce(excluded.last_failure, breakers.last_failure), updated_at = excluded.updated_at`,
    )
    .bind(
      dependency,
      circuit.state,
      JSON.stringify({ failures: circuit.failures }),
      circuit.openedAt,
      failure instanceof Error ? failure.message.slice(0, 300) : null,
      now,
    )
    .run();
}

/** Runs `fn` with a signal that aborts after `timeoutMs`; rejects at the deadline even if `fn` ignores its signal. */
async function withTimeout<T>(dependency: string, options: BreakerOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DependencyUnavailableError(dependency, `no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([fn(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    if (!options.keepSignalAfterReturn) controller.abort();
  }
}

/**
 * Calls `fn` with a timeout behind a consecutive-failure circuit breaker
 * whose state lives in D1, loaded before the call and saved after it when it
 * changed: isolates are short-lived, so in-memory breaker state would reset on
 * every invocation. An open circuit rejects at once until `halfOpenAfterMs`
 * has passed on `options.now`; then calls probe (isolates share no lock, so
 * two may probe at once), and a probe's answer closes or reopens it.
 *
 * @example
 * const data = await callWithBreaker(env.DB, "embeddings", breakerOptions(config), (signal) => fetch(url, { signal }));
 */
export async function callWithBreaker<T>(db: D1Database, dependency: string, options: BreakerOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const now = options.now ?? Date.now;
  const before = await loadCircuit(db, dependency);
  if (before.state !== "closed" && now() - (before.openedAt ?? 0) < options.halfOpenAfterMs) {
    throw new DependencyUnavailableError(dependency, "circuit open");
  }
  let after = before;
  let failure: unknown;
  try {
    const result = await withTimeout(dependency, options, fn);
    after = CLOSED;
    return result;
  } catch (err) {
    failure = err;
    const failures = before.state === "closed" ? before.failures + 1 : options.failuresToOpen;
    after = failures >= options.failuresToOpen ? { state: "open", failures, openedAt: now() } : { state: "closed", failures, openedAt: null };
    throw err;
  } finally {
    if (after.state !== before.state || after.failures !== before.failures || after.openedAt !== before.openedAt) {
      await saveCircuit(db, dependency, after, failure, now());
    }
  }
}

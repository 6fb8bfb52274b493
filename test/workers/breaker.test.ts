import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type BreakerOptions, breakerOptions, callWithBreaker, DEFAULT_BREAKER, DependencyUnavailableError } from "../../src/adapters/breaker";
import { DEFAULTS } from "../../src/config";

/** A clock the test moves by hand: the breaker's waits pass when the test says so. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const row = (dependency: string) =>
  env.DB.prepare("SELECT state, opened_at, last_failure FROM breakers WHERE dependency = ?1")
    .bind(dependency)
    .first<{ state: string; opened_at: number | null; last_failure: string | null }>();

const failing =
  (message = "upstream answered HTTP 503") =>
  async () => {
    throw new Error(message);
  };

function setup(dependency: string) {
  const clock = manualClock();
  const options: BreakerOptions = { timeoutMs: 1000, failuresToOpen: 2, halfOpenAfterMs: 30_000, now: clock.now };
  let calls = 0;
  const call = <T>(fn: () => Promise<T>) =>
    callWithBreaker(env.DB, dependency, options, () => {
      calls++;
      return fn();
    });
  return { clock, call, calls: () => calls };
}

describe("callWithBreaker", () => {
  it("passes answers through and writes nothing while the dependency is healthy", async () => {
    const { call } = setup("healthy");
    expect(await call(async () => "answer")).toBe("answer");
    expect(await row("healthy")).toBeNull();
  });

  it("opens after consecutive failures and then refuses without calling", async () => {
    const { clock, call, calls } = setup("flaky");
    await expect(call(failing())).rejects.toThrow("HTTP 503");
    expect(await row("flaky")).toMatchObject({ state: "closed", opened_at: null });
    await expect(call(failing())).rejects.toThrow("HTTP 503");
    expect(await row("flaky")).toEqual({ state: "open", opened_at: clock.now(), last_failure: "upstream answered HTTP 503" });

    clock.advance(29_999);
    await expect(call(async () => "answer")).rejects.toEqual(new DependencyUnavailableError("flaky", "circuit open"));
    expect(calls()).toBe(2);
  });

  it("counts only consecutive failures: a success in between starts the count again", async () => {
    const { call } = setup("intermittent");
    await expect(call(failing())).rejects.toThrow();
    await call(async () => "ok");
    await expect(call(failing())).rejects.toThrow();
    expect((await row("intermittent"))!.state).toBe("closed");
  });

  it("lets one probe through once the open wait has passed on its clock; success closes the circuit", async () => {
    const { clock, call, calls } = setup("recovering");
    await expect(call(failing())).rejects.toThrow();
    await expect(call(failing())).rejects.toThrow();
    clock.advance(30_000);
    expect(await call(async () => "back")).toBe("back");
    expect(calls()).toBe(3);
    expect(await row("recovering")).toMatchObject({ state: "closed", opened_at: null });
    // Closed again: failures count from zero.
    await expect(call(failing())).rejects.toThrow();
    expect((await row("recovering"))!.state).toBe("closed");
  });

  it("reopens when the probe fails, waiting the full time again from then", async () => {
    const { clock, call, calls } = setup("still-down");
    await expect(call(failing())).rejects.toThrow();
    await expect(call(failing())).rejects.toThrow();
    clock.advance(30_000);
    await expect(call(failing("still 503"))).rejects.toThrow("still 503");
    expect(await row("still-down")).toEqual({ state: "open", opened_at: clock.now(), last_failure: "still 503" });
    clock.advance(29_999);
    await expect(call(async () => "answer")).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(calls()).toBe(3);
    clock.advance(1);
    expect(await call(async () => "answer")).toBe("answer");
  });

  it("abandons a call that does not answer in time, aborting its signal, and counts it as a failure", async () => {
    let seen: AbortSignal | undefined;
    const hang = (signal: AbortSignal) => {
      seen = signal;
      return new Promise<never>(() => {});
    };
    const options = { timeoutMs: 20, failuresToOpen: 1, halfOpenAfterMs: 30_000 };
    await expect(callWithBreaker(env.DB, "silent", options, hang)).rejects.toEqual(new DependencyUnavailableError("silent", "no answer within 20 ms"));
    expect(seen!.aborted).toBe(true);
    expect(await row("silent")).toMatchObject({ state: "open", last_failure: "silent unavailable: no answer within 20 ms" });
  });

  it("aborts the call's signal once it returns, unless asked to keep it for a streamed body", async () => {
    const signals: AbortSignal[] = [];
    const keep = async (signal: AbortSignal) => void signals.push(signal);
    await callWithBreaker(env.DB, "plain", DEFAULT_BREAKER, keep);
    await callWithBreaker(env.DB, "stream", { ...DEFAULT_BREAKER, keepSignalAfterReturn: true }, keep);
    expect(signals.map((s) => s.aborted)).toEqual([true, false]);
  });

  it("honours a circuit saved by the earlier cockatiel-based breaker", async () => {
    const clock = manualClock();
    await env.DB.prepare("INSERT INTO breakers (dependency, state, serialized, opened_at, updated_at) VALUES ('old', 'open', ?1, ?2, ?2)")
      .bind(JSON.stringify({ ownState: { value: 1, openedAt: clock.now(), attemptNo: 1 }, breakerState: 5 }), clock.now())
      .run();
    const options = { ...DEFAULT_BREAKER, now: clock.now };
    await expect(callWithBreaker(env.DB, "old", options, async () => "answer")).rejects.toBeInstanceOf(DependencyUnavailableError);
    clock.advance(DEFAULT_BREAKER.halfOpenAfterMs);
    expect(await callWithBreaker(env.DB, "old", options, async () => "answer")).toBe("answer");
    expect((await row("old"))!.state).toBe("closed");
  });
});

describe("breakerOptions", () => {
  it("reads the three breaker settings of the configuration, and the defaults are the configured defaults", () => {
    expect(breakerOptions({ OUTBOUND_TIMEOUT_MS: 1000, BREAKER_FAILURES: 2, BREAKER_HALF_OPEN_SECONDS: 1 }, { keepSignalAfterReturn: true })).toEqual({
      timeoutMs: 1000,
      failuresToOpen: 2,
      halfOpenAfterMs: 1000,
      keepSignalAfterReturn: true,
    });
    expect(DEFAULT_BREAKER).toEqual({
      timeoutMs: DEFAULTS.OUTBOUND_TIMEOUT_MS,
      failuresToOpen: DEFAULTS.BREAKER_FAILURES,
      halfOpenAfterMs: DEFAULTS.BREAKER_HALF_OPEN_SECONDS * 1000,
    });
  });
});

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backoffDelay, parseRetryAfter } from "../../sdk/src/backoff";
import { DEFAULTS, GleanerError } from "../../sdk/src/index";
import { clientFor, countingRefusals, event, FakeGleaner, until } from "./sdk-helpers";

let fake: FakeGleaner;
beforeEach(async () => {
  fake = await FakeGleaner.start();
});
afterEach(async () => {
  await fake.close();
});

describe("track and flush", () => {
  it("fills id, timestamp and source, and reports each event's verdict by id", async () => {
    const client = clientFor(fake);
    const ids = [await client.track(event(1)), await client.track(event(2)), await client.track({ ...event(3), id: "mine-3" })];
    const report = await client.flush();
    expect(report).toEqual({ accepted: ids, duplicates: [], rejected: [], omitted: 0 });
    expect(ids[2]).toBe("mine-3");
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    const stored = fake.stored.get(ids[0]!)!;
    expect(stored.source).toBe("sdk-test");
    expect(Date.parse(stored.timestamp as string)).toBeGreaterThan(Date.now() - 60_000);
    expect(fake.eventRequests()).toHaveLength(1);
    // The same id again is stored once and reported as a duplicate.
    await client.track({ ...event(3), id: "mine-3" });
    expect(await client.close()).toEqual({ accepted: [], duplicates: ["mine-3"], rejected: [], omitted: 0 });
  });

  it("sends on its own when a batch is full (size trigger)", async () => {
    const client = clientFor(fake, { batchMaxEvents: 5 });
    for (let i = 0; i < 12; i++) await client.track(event(i));
    await until(() => fake.stored.size === 10);
    expect(fake.eventRequests().map((r) => r.events)).toEqual([5, 5]);
    await client.close();
    expect(fake.stored.size).toBe(12);
  });

  it("sends on its own when the first waiting event is flushIntervalMs old (time trigger)", async () => {
    const client = clientFor(fake, { flushIntervalMs: 40 });
    const started = Date.now();
    await client.track(event(1));
    await client.track(event(2));
    await until(() => fake.stored.size === 2);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(35);
    expect(waited).toBeLessThan(1000);
    expect(fake.eventRequests()).toHaveLength(1);
    await client.close();
  });

  it("rejects an event with no type, or with no source when the client has none, before buffering it", async () => {
    const client = clientFor(fake, { source: undefined });
    await expect(client.track({ type: "x" })).rejects.toThrow(/needs a source/);
    await expect(client.track({ source: "s" } as never)).rejects.toThrow(/needs a type/);
    expect(client.stats().inMemory).toBe(0);
    await client.close();
    await expect(client.track({ type: "x", source: "s" })).rejects.toMatchObject({ code: "client_closed" });
  });
});

describe("transient failures are retried and nothing is lost", () => {
  it("retries 5xx answers and a dropped connection until the batch is accepted", async () => {
    fake.faults = [{ status: 500 }, { status: 503 }, { drop: "before_storing" }, { status: 502 }];
    const client = clientFor(fake);
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => client.track(event(i))));
    const report = await client.flush();
    expect(report.accepted.sort()).toEqual([...ids].sort());
    expect(fake.eventRequests().map((r) => r.status)).toEqual([500, 503, "dropped", 502, 202]);
    expect([...fake.acceptedTimes.values()].every((n) => n === 1)).toBe(true);
    await client.close();
  });

  it("resends a batch whose 202 was lost on the way back: the server answers duplicate, each event is stored once", async () => {
    fake.faults = [{ drop: "after_storing" }];
    const client = clientFor(fake);
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => client.track(event(i))));
    expect(await client.flush()).toEqual({ accepted: [], duplicates: ids, rejected: [], omitted: 0 });
    expect(fake.ids()).toEqual(ids);
    await client.close();
  });

  it("honours Retry-After on 429 and loses nothing in a burst of them", async () => {
    fake.faults = [
      { status: 429, headers: { "Retry-After": "1" } },
      { status: 429, headers: { "Retry-After": "0" } },
      { status: 429, headers: { "Retry-After": "0" } },
    ];
    const client = clientFor(fake, { batchMaxEvents: 50 });
    const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => client.track(event(i))));
    const report = await client.flush();
    expect(report.accepted).toHaveLength(200);
    expect(new Set(fake.ids())).toEqual(new Set(ids));
    const [first, second] = fake.eventRequests();
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
    await client.close();
  });

  it("waits out a refused connection and delivers every event once when the server is back", async () => {
    const refusals = countingRefusals();
    const client = clientFor(fake, { fetch: refusals.fetch });
    await fake.stop();
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => client.track(event(i))));
    const flushed = client.flush();
    // The flush has met the outage more than once and is still waiting it out.
    await until(() => refusals.count >= 3);
    expect(fake.stored.size).toBe(0);
    await fake.restart();
    const report = await flushed;
    expect(report.accepted.sort()).toEqual([...ids].sort());
    expect(fake.stored.size).toBe(30);
    await client.close();
  });

  it("times a flush out without dropping: the events stay buffered and go on a later flush", async () => {
    const client = clientFor(fake);
    await fake.stop();
    await client.track(event(1));
    await expect(client.flush({ timeoutMs: 50 })).rejects.toMatchObject({ code: "flush_timeout", details: { unsent: 1 } });
    expect(client.stats().inMemory).toBe(1);
    await fake.restart();
    expect((await client.flush()).accepted).toHaveLength(1);
    await client.close();
  });
});

describe("rejections are surfaced, never retried", () => {
  it("207: stores the valid events and reports the others with field path and reason", async () => {
    const client = clientFor(fake);
    const good = await client.track(event(1));
    const badOutcome = await client.track({ ...event(2), outcome: "great" as never });
    const unknownField = await client.track({ ...event(3), colour: "blue" } as never);
    const report = await client.flush();
    expect(report.accepted).toEqual([good]);
    expect(report.rejected).toEqual([
      { id: badOutcome, errors: [{ path: "outcome", message: expect.any(String) }] },
      { id: unknownField, errors: [{ path: "colour", message: expect.stringContaining("unknown field") }] },
    ]);
    expect(fake.eventRequests()).toHaveLength(1);
    expect(client.stats().inMemory).toBe(0);
    await client.close();
  });

  it("400 no_valid_events: every event is reported rejected, and not sent again", async () => {
    const verdicts: string[] = [];
    const client = clientFor(fake, { onResults: (v) => verdicts.push(...v.map((x) => x.status)) });
    await client.track({ ...event(1), tokens_in: -1 });
    await client.track({ ...event(2), latency_ms: "fast" as never });
    const report = await client.flush();
    expect(report.rejected.map((r) => r.errors[0]!.path)).toEqual(["tokens_in", "latency_ms"]);
    expect(verdicts).toEqual(["rejected", "rejected"]);
    await client.flush();
    expect(fake.eventRequests()).toHaveLength(1);
    await client.close();
  });

  it("401: stops sending, keeps the events, and says why on flush and onError", async () => {
    const errors: Error[] = [];
    const client = clientFor(fake, { key: "wrong", onError: (e) => errors.push(e) });
    await client.track(event(1));
    const failure = await client.flush().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GleanerError);
    expect(failure).toMatchObject({ code: "unauthorized", status: 401 });
    expect(errors).toHaveLength(1);
    expect(client.stats().inMemory).toBe(1);
    expect(fake.eventRequests()).toHaveLength(1);
    await expect(client.close({ timeoutMs: 100 })).rejects.toMatchObject({ code: "unauthorized" });
  });
});

describe("413: too large batches are split, not dropped", () => {
  it("splits a batch over the server's event count and sends the next ones at the size that fit", async () => {
    fake.limits.maxEventsPerRequest = 8;
    const client = clientFor(fake, { batchMaxEvents: 30 });
    for (let i = 0; i < 30; i++) await client.track(event(i));
    const report = await client.flush();
    expect(report.accepted).toHaveLength(30);
    const statuses = fake.eventRequests().map((r) => r.status);
    expect(statuses.filter((s) => s === 413).length).toBeGreaterThan(0);
    expect(fake.stored.size).toBe(30);
    // Later batches use the learned cap: no more 413s.
    const before = fake.eventRequests().length;
    for (let i = 0; i < 30; i++) await client.track(event(100 + i));
    await client.flush();
    expect(
      fake
        .eventRequests()
        .slice(before)
        .every((r) => r.status === 202),
    ).toBe(true);
    await client.close();
  });

  it("splits a batch over the body limit; an event too large alone is rejected with the reason", async () => {
    fake.limits.maxBodyBytes = 4000;
    fake.limits.maxEventBytes = 64 * 1024;
    const client = clientFor(fake);
    const small = await Promise.all(Array.from({ length: 20 }, (_, i) => client.track(event(i, { response: "x".repeat(300) }))));
    const huge = await client.track(event(99, { response: "y".repeat(5000) }));
    const report = await client.flush();
    expect(report.accepted.sort()).toEqual([...small].sort());
    expect(report.rejected).toEqual([{ id: huge, errors: [{ path: "", message: expect.stringContaining("payload_too_large") }] }]);
    await client.close();
  });
});

describe("retry timing", () => {
  it("backs off exponentially up to the ceiling, with jitter between half and all of each step", () => {
    const policy = DEFAULTS.retry;
    expect(backoffDelay(0, policy, () => 0)).toBe(125);
    expect(backoffDelay(0, policy, () => 1)).toBe(250);
    expect(backoffDelay(3, policy, () => 1)).toBe(2000);
    expect(backoffDelay(20, policy, () => 0.5)).toBe(22_500);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });
});

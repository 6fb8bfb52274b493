import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fileJournal } from "../../sdk/src/node";
import { clientFor, event, FakeGleaner, until } from "./sdk-helpers";

let fake: FakeGleaner;
beforeEach(async () => {
  fake = await FakeGleaner.start();
});
afterEach(async () => {
  await fake.close();
});

/** A fetch that holds every request until `release()`: a batch stays in flight for exactly as long as the test needs. */
function heldFetch() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  const fetchHeld: typeof fetch = async (input, init) => {
    held++;
    await released;
    return fetch(input, init);
  };
  return { fetch: fetchHeld, held: () => held, release };
}

const journalPath = () => join(mkdtempSync(join(tmpdir(), "gleaner-sdk-")), "buffer.jsonl");

describe("memory cap, block policy", () => {
  it("makes track() wait while the buffer is full and never holds more than the cap", async () => {
    const gate = heldFetch();
    const client = clientFor(fake, { maxBufferedEvents: 5, batchMaxEvents: 5, onBufferFull: "block", fetch: gate.fetch });
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, client.stats().inMemory)), 1);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await client.track(event(i)));
    let sixthIn = false;
    const sixth = client.track(event(5)).then((id) => {
      sixthIn = true;
      return id;
    });
    // The full batch is in flight and held there: the sixth event has no room until it is answered.
    await until(() => gate.held() === 1);
    expect(sixthIn).toBe(false);
    expect(fake.stored.size).toBe(0);
    gate.release();
    ids.push(await sixth);
    expect(fake.stored.size).toBe(5);
    for (let i = 6; i < 20; i++) ids.push(await client.track(event(i)));
    await client.close();
    clearInterval(sample);
    expect(peak).toBeLessThanOrEqual(5);
    expect(fake.ids()).toEqual(ids);
  });

  it("does not block forever when sending has stopped on a refusal: track() rejects with the reason", async () => {
    const client = clientFor(fake, { key: "revoked", maxBufferedEvents: 2, onBufferFull: "block" });
    await client.track(event(1));
    await client.track(event(2));
    await expect(client.flush()).rejects.toMatchObject({ code: "unauthorized" });
    await expect(client.track(event(3))).rejects.toMatchObject({ code: "unauthorized" });
    expect(client.stats().inMemory).toBe(2);
    await expect(client.close({ timeoutMs: 50 })).rejects.toMatchObject({ code: "unauthorized" });
  });

  it("caps bytes too: an event that does not fit waits for room", async () => {
    const gate = heldFetch();
    const client = clientFor(fake, { maxBufferedBytes: 2000, batchMaxEvents: 2, fetch: gate.fetch });
    const big = { response: "z".repeat(800) };
    await client.track(event(1, big));
    await client.track(event(2, big));
    expect(client.stats().inMemoryBytes).toBeGreaterThan(1600);
    let thirdIn = false;
    const third = client.track(event(3, big)).then(() => (thirdIn = true));
    await until(() => gate.held() === 1);
    expect(thirdIn).toBe(false);
    gate.release();
    await third;
    expect(fake.stored.size).toBe(2);
    await client.close();
    expect(fake.stored.size).toBe(3);
  });
});

describe("memory cap, spill policy (file journal)", () => {
  it("spills past the cap to the file while the server is down, then sends everything once and in order", async () => {
    const path = journalPath();
    const client = clientFor(fake, { maxBufferedEvents: 5, batchMaxEvents: 5, journal: fileJournal(path), onBufferFull: "spill" });
    await fake.stop();
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push(await client.track(event(i)));
    expect(client.stats()).toMatchObject({ inMemory: 5, spilled: 45 });
    await fake.restart();
    const report = await client.flush();
    expect(report.accepted).toEqual(ids);
    expect(fake.ids()).toEqual(ids);
    expect(client.stats()).toEqual({ inMemory: 0, inMemoryBytes: 0, spilled: 0 });
    await client.close();
    // Nothing unsent: the journal is empty again.
    expect(statSync(path).size).toBe(0);
  });

  it("keeps the memory cap while reading spilled events back", async () => {
    const path = journalPath();
    const client = clientFor(fake, { maxBufferedEvents: 10, batchMaxEvents: 4, journal: fileJournal(path) });
    fake.delayMs = 5;
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, client.stats().inMemory)), 1);
    await Promise.all(Array.from({ length: 200 }, (_, i) => client.track(event(i))));
    await client.close();
    clearInterval(sample);
    expect(peak).toBeLessThanOrEqual(10);
    expect(fake.stored.size).toBe(200);
    expect([...fake.acceptedTimes.values()].every((n) => n === 1)).toBe(true);
  });

  it("refuses spill without a journal", () => {
    expect(() => clientFor(fake, { onBufferFull: "spill" })).toThrow(/needs a journal/);
  });
});

describe("close()", () => {
  it("flushes, then stops: no timer or retry keeps running", async () => {
    // The client's timers run on a clock the test moves: a whole minute passes after close() in no time.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    try {
      const client = clientFor(fake, { flushIntervalMs: 30 });
      await client.track(event(1));
      expect(vi.getTimerCount()).toBeGreaterThan(0); // the flush timer is armed
      const report = await client.close();
      expect(report.accepted).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
      const requests = fake.requests.length;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fake.requests.length).toBe(requests);
    } finally {
      vi.useRealTimers();
    }
  });

  it("with a timeout during an outage, says how many events are unsent", async () => {
    const client = clientFor(fake);
    await fake.stop();
    await client.track(event(1));
    await client.track(event(2));
    await expect(client.close({ timeoutMs: 50 })).rejects.toMatchObject({
      code: "flush_timeout",
      message: expect.stringContaining("2 unsent events are lost"),
      details: { unsent: 2 },
    });
  });
});

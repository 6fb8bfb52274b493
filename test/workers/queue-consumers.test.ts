import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { retryDelaySeconds } from "../../src/queues/consume";
import { event, strandChunk } from "./helpers";

const PROJECT = "queue-consumer-tests";

/**
 * Delivers one batch straight to the worker's queue handler, as workers-sdk's
 * queue-consumer-unit example does. getQueueResult reports which messages were
 * acked or retried but not the delay asked for, so `delays` records that from
 * each message's own `retry` (and `retryAll`'s under `batch`).
 */
async function deliver(queue: string, messages: { body: unknown; attempts?: number }[], on: Cloudflare.Env = env) {
  const batch = createMessageBatch(
    queue,
    messages.map((m, i) => ({ id: `qc-${crypto.randomUUID()}-${i}`, timestamp: new Date(1000 * (i + 1)), attempts: m.attempts ?? 1, body: m.body })),
  );
  const retries = batch.messages.map((m) => vi.spyOn(m, "retry"));
  const retryAll = vi.spyOn(batch, "retryAll");
  const ctx = createExecutionContext();
  await worker.queue(batch, on, ctx);
  // getQueueResult waits on the execution context first.
  const result = await getQueueResult(batch, ctx);
  const delays = Object.fromEntries([
    ...batch.messages.flatMap((m, i) => retries[i]!.mock.calls.map(([options]) => [m.id, options?.delaySeconds])),
    ...retryAll.mock.calls.map(([options]) => ["batch", options?.delaySeconds]),
  ]);
  return { ids: batch.messages.map((m) => m.id), result, delays };
}

/** What a consumer that settles every message on its own reports: no batch-wide ack or retry. */
const settled = (explicitAcks: string[], retried: string[] = []) => ({
  outcome: "ok",
  ackAll: false,
  retryBatch: { retry: false },
  explicitAcks,
  retryMessages: retried.map((msgId) => ({ msgId })),
});

const deadLetter = (id: string) =>
  env.DB.prepare("SELECT queue, reason, attempts FROM dead_letters WHERE id = ?1").bind(id).first<{ queue: string; reason: string; attempts: number }>();

const eventStatus = async (eventId: string) =>
  (await env.DB.prepare("SELECT status FROM events WHERE project = ?1 AND event_id = ?2").bind(PROJECT, eventId).first<{ status: string }>())?.status;

const counter = async (name: string, labels: string) =>
  (await env.DB.prepare("SELECT value FROM counters WHERE name = ?1 AND labels = ?2").bind(name, labels).first<{ value: number }>())?.value ?? 0;

const chunk = (batchId: string) => ({ kind: "ingest_batch", batch_id: batchId, project: PROJECT });

/** D1 as it is during an outage: every statement fails. */
const unavailableDb = {
  prepare() {
    throw new Error("D1_ERROR: the database is unavailable");
  },
  async batch() {
    throw new Error("D1_ERROR: the database is unavailable");
  },
} as unknown as D1Database;

describe("both queue consumers", () => {
  it.each(["gleaner-telemetry", "gleaner-extract"])("%s: park a malformed message as a dead letter with its reason, then ack it", async (queue) => {
    const { ids, result } = await deliver(queue, [{ body: "not an object" }, { body: { kind: 42 }, attempts: 2 }]);
    expect(result).toEqual(settled(ids));
    expect(await deadLetter(ids[0]!)).toEqual({ queue, reason: "malformed message: body: Invalid input: expected object, received string", attempts: 1 });
    expect(await deadLetter(ids[1]!)).toMatchObject({ queue, reason: expect.stringMatching(/^malformed message: kind: /), attempts: 2 });
  });

  it.each(["gleaner-telemetry", "gleaner-extract"])("%s: retry with backoff while D1 is down, even a message it could not park", async (queue) => {
    const body = queue === "gleaner-telemetry" ? chunk("qc-d1-down") : { kind: "extract", project: PROJECT, event_ids: ["qc-d1-down"] };
    const { ids, result, delays } = await deliver(queue, [{ body }, { body, attempts: 3 }, { body: { kind: 42 }, attempts: 9 }], { ...env, DB: unavailableDb });
    expect(result).toEqual(settled([], ids));
    expect(delays).toEqual({ [ids[0]!]: 5, [ids[1]!]: 20, [ids[2]!]: 300 });
    expect(await deadLetter(ids[2]!)).toBeNull();
  });

  it.each(["gleaner-telemetry", "gleaner-extract"])("%s: lets the runtime read its sockets between messages, not only after the batch", async (queue) => {
    // Local D1 and the queue broker run in workerd's one thread: a batch's statements follow each other without ever
    // waiting on a socket, so a consumer that never yields keeps workerd from reading new requests (or noticing that a
    // connection's keep-alive wait ran out) until the whole batch is done. A timer due now stands for that I/O poll.
    const messages = Array.from({ length: 6 }, (_, i) => ({ body: { kind: 42, n: i } }));
    const batch = createMessageBatch(
      queue,
      messages.map((m, i) => ({ id: `qc-yield-${crypto.randomUUID()}-${i}`, timestamp: new Date(1000 * (i + 1)), attempts: 1, body: m.body })),
    );
    let settled = 0;
    for (const m of batch.messages) vi.spyOn(m, "ack").mockImplementation(() => void settled++);
    let settledWhenTimerRan: number | undefined;
    setTimeout(() => {
      settledWhenTimerRan = settled;
    }, 0);
    await worker.queue(batch, env, createExecutionContext());
    expect(settled).toBe(messages.length);
    expect(settledWhenTimerRan).toBeLessThan(messages.length);
  });

  it.each(["gleaner-telemetry-dlq", "gleaner-extract-dlq"])("%s: park what exhausted its retries, then ack it", async (queue) => {
    const { ids, result } = await deliver(queue, [{ body: chunk("qc-gone"), attempts: 6 }]);
    expect(result).toEqual(settled(ids));
    expect(await deadLetter(ids[0]!)).toEqual({ queue, reason: "retries exhausted after 6 attempts", attempts: 6 });
  });

  it("leave a message from an unknown queue for redelivery", async () => {
    const { result, delays } = await deliver("gleaner-nonsense", [{ body: chunk("qc-unknown") }]);
    expect(result).toEqual({ outcome: "ok", ackAll: false, retryBatch: { retry: true }, explicitAcks: [], retryMessages: [] });
    expect(delays).toEqual({ batch: 60 });
  });
});

describe("telemetry consumer", () => {
  it("acks a chunk once it is scored and marked processed", async () => {
    await strandChunk(PROJECT, "qc-ok", ["qc-ok-1"]);
    const { ids, result } = await deliver("gleaner-telemetry", [{ body: chunk("qc-ok") }]);
    expect(result).toEqual(settled(ids));
    expect(await eventStatus("qc-ok-1")).toBe("processed");
  });

  it("settles each message on its own: a chunk that fails is retried, the rest of the batch is acked", async () => {
    await strandChunk(PROJECT, "qc-good", ["qc-good-1"]);
    // An event stored by a newer build cannot be upcast here: the chunk waits for a build that can read it.
    await strandChunk(PROJECT, "qc-newer", ["qc-newer-1"], { schemaVersion: 99 });
    const errorsBefore = await counter("errors_total", 'stage="process",type="other"');
    const { ids, result, delays } = await deliver("gleaner-telemetry", [
      { body: chunk("qc-newer"), attempts: 2 },
      { body: chunk("qc-good") },
      { body: { kind: "nonsense" } },
    ]);
    expect(result).toEqual(settled([ids[1]!, ids[2]!], [ids[0]!]));
    expect(delays).toEqual({ [ids[0]!]: retryDelaySeconds(2) });
    expect(await eventStatus("qc-newer-1")).toBe("received");
    expect(await eventStatus("qc-good-1")).toBe("processed");
    expect(await counter("errors_total", 'stage="process",type="other"')).toBe(errorsBefore + 1);
  });

  it("writes a queued log_event and acks it", async () => {
    const { ids, result } = await deliver("gleaner-telemetry", [{ body: { kind: "log_event", project: PROJECT, event: event("qc-logged") } }]);
    expect(result).toEqual(settled(ids));
    expect(await eventStatus("qc-logged")).toBe("received");
  });

  it("parks a log_event whose event can never be stored, with the same malformed-message reason, and acks it", async () => {
    const { ids, result } = await deliver("gleaner-telemetry", [
      { body: { kind: "log_event", project: PROJECT, event: event("qc-bad", { outcome: "great" }) } },
    ]);
    expect(result).toEqual(settled(ids));
    expect((await deadLetter(ids[0]!))!.reason).toMatch(/^malformed message: event\.outcome: /);
    expect(await eventStatus("qc-bad")).toBeUndefined();
  });
});

describe("extract consumer", () => {
  it("acks a message whose extractions are already done (a redelivery)", async () => {
    const { ids, result } = await deliver("gleaner-extract", [{ body: { kind: "extract", project: PROJECT, event_ids: ["qc-never-pending"] } }]);
    expect(result).toEqual(settled(ids));
  });
});

describe("retryDelaySeconds", () => {
  it("doubles from 5 s per attempt and stops at 5 minutes", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(retryDelaySeconds)).toEqual([5, 10, 20, 40, 80, 160, 300, 300, 300]);
  });
});

import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { createKey, event, eventually, postEvents, strandChunk } from "./helpers";

let key: string;

beforeAll(async () => {
  key = (await createKey("consumer-tests")).key;
});

async function batchIdOf(eventId: string): Promise<string> {
  const row = await env.DB.prepare("SELECT batch_id FROM events WHERE event_id = ?1").bind(eventId).first<{ batch_id: string }>();
  return row!.batch_id;
}

async function chunkDone(batchId: string): Promise<boolean> {
  const row = await env.DB.prepare("SELECT done_at FROM ingest_batches WHERE batch_id = ?1").bind(batchId).first<{ done_at: number | null }>();
  return row?.done_at != null;
}

async function processedTotal(): Promise<number> {
  const row = await env.DB.prepare("SELECT value FROM counters WHERE name = 'events_processed_total'").first<{ value: number }>();
  return row?.value ?? 0;
}

async function deliver(queue: string, bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `msg-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return { batch, result: await getQueueResult(batch, ctx) };
}

describe("telemetry queue consumer", () => {
  it("processes a chunk once, however often its message is delivered", async () => {
    await postEvents(key, [event("redeliver-1"), event("redeliver-2")]);
    const batchId = await batchIdOf("redeliver-1");
    const body = { kind: "ingest_batch", batch_id: batchId, project: "consumer-tests" };
    // The real queue delivers the chunk too: count from when it has been processed.
    await eventually(async () => (await chunkDone(batchId)) || undefined);
    const before = await processedTotal();
    const first = await deliver("gleaner-telemetry", [body, body]);
    const second = await deliver("gleaner-telemetry", [body], 3);
    expect(first.result).toMatchObject({ ackAll: false, retryBatch: { retry: false }, retryMessages: [] });
    expect(first.result.explicitAcks).toEqual(first.batch.messages.map((m) => m.id));
    expect(second.result.explicitAcks).toEqual([second.batch.messages[0]!.id]);
    expect(await processedTotal()).toBe(before);
    const rows = await env.DB.prepare("SELECT status, count(*) AS n FROM events WHERE batch_id = ?1 GROUP BY status").bind(batchId).all();
    expect(rows.results).toEqual([{ status: "processed", n: 2 }]);
  });

  it("marks an unprocessed chunk processed and counts each event once", async () => {
    await strandChunk("consumer-tests", "manual-batch", ["manual-1"]);
    const before = await processedTotal();
    const first = await deliver("gleaner-telemetry", [{ kind: "ingest_batch", batch_id: "manual-batch", project: "consumer-tests" }]);
    const again = await deliver("gleaner-telemetry", [{ kind: "ingest_batch", batch_id: "manual-batch", project: "consumer-tests" }]);
    expect(first.result.explicitAcks).toEqual([first.batch.messages[0]!.id]);
    expect(again.result.explicitAcks).toEqual([again.batch.messages[0]!.id]);
    expect(await processedTotal()).toBe(before + 1);
    expect(await chunkDone("manual-batch")).toBe(true);
  });

  it("parks a poison message as a dead letter with its reason and acks it", async () => {
    const { batch, result } = await deliver("gleaner-telemetry", [{ kind: "nonsense", batch_id: 42 }]);
    expect(result.explicitAcks).toEqual([batch.messages[0]!.id]);
    expect(result.retryMessages).toEqual([]);
    const parked = await env.DB.prepare("SELECT queue, reason, body FROM dead_letters WHERE id = ?1")
      .bind(batch.messages[0]!.id)
      .first<{ queue: string; reason: string; body: string }>();
    expect(parked!.queue).toBe("gleaner-telemetry");
    expect(parked!.reason).toMatch(/malformed message: .*kind/);
    expect(JSON.parse(parked!.body)).toEqual({ kind: "nonsense", batch_id: 42 });
  });

  it("parks messages that exhausted their retries from the dead-letter queue", async () => {
    const body = { kind: "ingest_batch", batch_id: "gone", project: "consumer-tests" };
    const { batch, result } = await deliver("gleaner-telemetry-dlq", [body], 6);
    expect(result.explicitAcks).toEqual([batch.messages[0]!.id]);
    const parked = await env.DB.prepare("SELECT reason FROM dead_letters WHERE id = ?1").bind(batch.messages[0]!.id).first<{ reason: string }>();
    expect(parked!.reason).toContain("retries exhausted");
  });
});

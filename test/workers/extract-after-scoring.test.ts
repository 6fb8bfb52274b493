import { createExecutionContext, getQueueResult, createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashingEmbedder } from "../../src/adapters/embedder";
import { collectionName } from "../../src/adapters/vector-store";
import worker from "../../src/index";
import { event } from "./helpers";

const PROJECT = "extract-after-scoring";

/** A high-value interaction (a success with thumbs up, a long worked answer), as stored by ingest (schema v1). */
const valuable = (id: string) =>
  event(id, {
    query: `how do I restart the ${id} unit after it failed`,
    response: `1. check the unit\n2. restart it\n$ systemctl restart ${id}`,
    outcome: "success",
    feedback: 1,
    tokens_in: 900,
    tokens_out: 1400,
  });

/** A chunk ingest stored but no consumer has read yet (as after a crash before the send). */
async function storeChunk(batchId: string, ids: string[]) {
  const at = Date.now();
  await env.DB.batch([
    ...ids.map((id) =>
      env.DB.prepare(
        `INSERT INTO events (project, event_id, batch_id, schema_version, type, source, client_timestamp, client_time_ms, received_at, payload)
         VALUES (?1, ?2, ?3, 1, 'agent_step_complete', 'test-agent', '2026-11-01T10:00:00.000Z', 1, ?4, ?5)`,
      ).bind(PROJECT, id, batchId, at, JSON.stringify(valuable(id))),
    ),
    env.DB.prepare("INSERT INTO ingest_batches (batch_id, project, event_count, created_at, enqueued_at) VALUES (?1, ?2, ?3, ?4, ?4)").bind(
      batchId,
      PROJECT,
      ids.length,
      at,
    ),
  ]);
}

/** The extract queue as the consumer sees it, keeping what is sent to it (the real queue's consumer would take it at once). */
function extractQueue() {
  const sent: unknown[] = [];
  const queue = {
    async send(body: unknown) {
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: unknown }>) {
      for (const m of messages) sent.push(m.body);
    },
  };
  return { sent, queue: queue as unknown as Queue };
}

/** Delivers one chunk message to the worker's telemetry consumer with these bindings; what it acked. */
async function deliverChunk(batchId: string, bindings: Partial<Cloudflare.Env>) {
  const batch = createMessageBatch("gleaner-telemetry", [
    { id: `eas-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body: { kind: "ingest_batch", batch_id: batchId, project: PROJECT } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...bindings } as Cloudflare.Env, ctx);
  return (await getQueueResult(batch, ctx)).explicitAcks.length;
}

const extraction = (eventId: string) =>
  env.DB.prepare("SELECT status, pattern_id FROM extractions WHERE project = ?1 AND event_id = ?2")
    .bind(PROJECT, eventId)
    .first<{ status: string; pattern_id: string | null }>();

describe("extraction after scoring", () => {
  it("with no outside service, distils a chunk's high-value events as it scores them: no extract message", async () => {
    await storeChunk("eas-local", ["eas-local-1", "eas-local-2"]);
    const { sent, queue } = extractQueue();
    expect(await deliverChunk("eas-local", { LLM_URL: undefined, EXTRACT_QUEUE: queue })).toBe(1);
    for (const id of ["eas-local-1", "eas-local-2"]) {
      const row = await extraction(id);
      expect(row).toMatchObject({ status: "done", pattern_id: expect.stringMatching(/^pat_/) });
      const pattern = await env.DB.prepare("SELECT extractor, support FROM patterns WHERE project = ?1 AND pattern_id = ?2")
        .bind(PROJECT, row?.pattern_id)
        .first<{ extractor: string; support: number }>();
      expect(pattern?.extractor).toBe("heuristic");
    }
    expect(sent).toEqual([]);
  });

  it("with an LLM configured, leaves the extraction to the extract queue, so a slow model never holds up scoring", async () => {
    await storeChunk("eas-llm", ["eas-llm-1"]);
    const { sent, queue } = extractQueue();
    expect(env.LLM_URL).toBeTruthy();
    expect(await deliverChunk("eas-llm", { EXTRACT_QUEUE: queue })).toBe(1);
    expect(await extraction("eas-llm-1")).toEqual({ status: "pending", pattern_id: null });
    expect(sent).toEqual([{ kind: "extract", project: PROJECT, event_ids: ["eas-llm-1"] }]);
  });

  it("hands the extraction to the extract queue when it fails after scoring; the chunk stays scored and acked", async () => {
    await storeChunk("eas-fails", ["eas-fails-1"]);
    // A retired patterns collection: extraction refuses to write into it (a real state, after a model change).
    const patterns = collectionName("patterns", hashingEmbedder.model, hashingEmbedder.dimension);
    await env.DB.prepare("UPDATE vector_collections SET status = 'retired' WHERE name = ?1").bind(patterns).run();
    try {
      const { sent, queue } = extractQueue();
      expect(await deliverChunk("eas-fails", { LLM_URL: undefined, EXTRACT_QUEUE: queue })).toBe(1);
      const status = await env.DB.prepare("SELECT status FROM events WHERE project = ?1 AND event_id = ?2")
        .bind(PROJECT, "eas-fails-1")
        .first<{ status: string }>();
      expect(status?.status).toBe("processed");
      expect(await extraction("eas-fails-1")).toEqual({ status: "pending", pattern_id: null });
      expect(sent).toEqual([{ kind: "extract", project: PROJECT, event_ids: ["eas-fails-1"] }]);
    } finally {
      await env.DB.prepare("UPDATE vector_collections SET status = 'active' WHERE name = ?1").bind(patterns).run();
    }
  });
});

import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { adminHeaders, call, createKey, eventually } from "./helpers";

beforeAll(async () => {
  await createKey("relay-tests");
});

/** Simulates chunks committed to D1 whose queue messages were lost (a restart of the in-memory broker). */
async function strandChunk(batchId: string, eventIds: string[], ageMs: number) {
  const at = Date.now() - ageMs;
  await env.DB.batch([
    ...eventIds.map((id) =>
      env.DB.prepare(
        `INSERT INTO events (project, event_id, batch_id, schema_version, type, source, client_timestamp, client_time_ms, received_at, payload)
         VALUES ('relay-tests', ?1, ?2, 1, 't', 's', '2026-01-01T00:00:00Z', 1, ?3, json_object('id', ?1, 'type', 't', 'source', 's', 'timestamp', '2026-01-01T00:00:00Z'))`,
      ).bind(id, batchId, at),
    ),
    env.DB.prepare(
      "INSERT INTO ingest_batches (batch_id, project, event_count, created_at, enqueued_at) VALUES (?1, 'relay-tests', ?2, ?3, ?3)",
    ).bind(batchId, eventIds.length, at),
  ]);
}

const statusOf = (id: string) =>
  env.DB.prepare("SELECT status FROM events WHERE project = 'relay-tests' AND event_id = ?1").bind(id).first<{ status: string }>();

describe("relay cron", () => {
  it("re-enqueues stranded chunks older than the delay, through the real queue, to processed", async () => {
    await strandChunk("stranded-old", ["r-old-1", "r-old-2"], 10 * 60_000);
    await strandChunk("stranded-new", ["r-new-1"], 0);
    const controller = createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() });
    await worker.scheduled(controller, env);
    await eventually(async () => ((await statusOf("r-old-2"))?.status === "processed" ? true : undefined));
    expect((await statusOf("r-old-1"))?.status).toBe("processed");
    // Younger than RELAY_AFTER_SECONDS: its own message may still be in flight, so it is left alone.
    expect((await statusOf("r-new-1"))?.status).toBe("received");
    const relayed = await env.DB.prepare("SELECT relay_count FROM ingest_batches WHERE batch_id = 'stranded-new'").first<{ relay_count: number }>();
    expect(relayed!.relay_count).toBe(0);
  });

  it("runs now through the admin route and reports what it did", async () => {
    await strandChunk("stranded-admin", ["r-admin-1"], 0);
    const res = await call("/v1/admin/jobs/relay/run", {
      method: "POST",
      headers: adminHeaders(),
      body: JSON.stringify({ older_than_seconds: 0 }),
    });
    expect(res.status).toBe(200);
    const body = await res.json<{ job: string; result: { relayed_batches: number } }>();
    expect(body.job).toBe("relay");
    expect(body.result.relayed_batches).toBeGreaterThanOrEqual(1);
    await eventually(async () => ((await statusOf("r-admin-1"))?.status === "processed" ? true : undefined));
  });

  it("answers 404 with the known job names for an unknown job", async () => {
    const res = await call("/v1/admin/jobs/nope/run", { method: "POST", headers: adminHeaders() });
    expect(res.status).toBe(404);
    expect((await res.json<{ error: { details: { jobs: string[] } } }>()).error.details.jobs).toContain("relay");
  });
});

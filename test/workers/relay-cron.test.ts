import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { adminHeaders, call, createKey, eventually, strandChunk } from "./helpers";

beforeAll(async () => {
  await createKey("relay-tests");
});

const statusOf = (id: string) =>
  env.DB.prepare("SELECT status FROM events WHERE project = 'relay-tests' AND event_id = ?1").bind(id).first<{ status: string }>();

describe("relay cron", () => {
  it("re-enqueues stranded chunks older than the delay, through the real queue, to processed", async () => {
    await strandChunk("relay-tests", "stranded-old", ["r-old-1", "r-old-2"], { ageMs: 10 * 60_000 });
    await strandChunk("relay-tests", "stranded-new", ["r-new-1"]);
    const controller = createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() });
    await worker.scheduled(controller, env);
    await eventually(async () => ((await statusOf("r-old-2"))?.status === "processed" ? true : undefined));
    expect((await statusOf("r-old-1"))?.status).toBe("processed");
    // Younger than RELAY_AFTER_SECONDS: its own message may still be in flight, so it is left alone.
    expect((await statusOf("r-new-1"))?.status).toBe("received");
    const relayed = await env.DB.prepare("SELECT relay_count FROM ingest_batches WHERE batch_id = 'stranded-new'").first<{ relay_count: number }>();
    expect(relayed!.relay_count).toBe(0);
  });

  it("leaves a backlog the queue has not reached yet alone, and relays a chunk the queue has passed", async () => {
    const relayCount = async (id: string) =>
      (await env.DB.prepare("SELECT relay_count FROM ingest_batches WHERE batch_id = ?1").bind(id).first<{ relay_count: number }>())!.relay_count;
    const finish = (id: string, enqueuedAgoMs: number) =>
      env.DB.prepare("INSERT INTO ingest_batches (batch_id, project, event_count, created_at, enqueued_at, done_at) VALUES (?1, 'relay-tests', 0, ?2, ?2, ?3)")
        .bind(id, Date.now() - enqueuedAgoMs, Date.now())
        .run();
    const runCron = () => worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env);
    // What earlier tests of this file finished does not count: this queue has only the chunks below.
    await env.DB.prepare("DELETE FROM ingest_batches WHERE done_at IS NOT NULL").run();
    // Waiting in the queue for 5 minutes behind a backlog: the consumer is still finishing chunks enqueued 8 minutes ago.
    await strandChunk("relay-tests", "backlog-waiting", ["r-wait-1"], { ageMs: 5 * 60_000 });
    await finish("backlog-older-done", 8 * 60_000);
    await runCron();
    expect(await relayCount("backlog-waiting")).toBe(0);
    // Now a chunk enqueued after it is finished: its own message is presumed lost, so it is sent again.
    await finish("backlog-newer-done", 2 * 60_000);
    await runCron();
    expect(await relayCount("backlog-waiting")).toBe(1);
    await eventually(async () => ((await statusOf("r-wait-1"))?.status === "processed" ? true : undefined));
  });

  it("leaves extractions the extract queue has not reached alone, and relays one it has passed", async () => {
    const attempts = async (id: string) =>
      (await env.DB.prepare("SELECT attempts FROM extractions WHERE project = 'relay-tests' AND event_id = ?1").bind(id).first<{ attempts: number }>())!
        .attempts;
    const extraction = (id: string, status: "pending" | "done", enqueuedAgoMs: number) =>
      env.DB.prepare("INSERT INTO extractions (project, event_id, status, enqueued_at, updated_at) VALUES ('relay-tests', ?1, ?2, ?3, ?4)")
        .bind(id, status, Date.now() - enqueuedAgoMs, Date.now())
        .run();
    const runPatternsCron = () => worker.scheduled(createScheduledController({ cron: "*/2 * * * *", scheduledTime: Date.now() }), env);
    // Waiting 5 minutes behind a backlog: the extract consumer is still finishing extractions enqueued 8 minutes ago.
    await extraction("x-waiting", "pending", 5 * 60_000);
    await extraction("x-older-done", "done", 8 * 60_000);
    // The backlog shows in the stats (and as learning_extractions_pending).
    const stats = await (await call("/v1/admin/stats", { headers: adminHeaders() })).json<{ extractions: { pending: number; oldestEnqueuedAt: number } }>();
    expect(stats.extractions.pending).toBeGreaterThanOrEqual(1);
    expect(stats.extractions.oldestEnqueuedAt).toBeLessThanOrEqual(Date.now() - 5 * 60_000);
    await runPatternsCron();
    expect(await attempts("x-waiting")).toBe(0);
    // An extraction enqueued after it is finished: its own message is presumed lost, so it is sent again.
    await extraction("x-newer-done", "done", 2 * 60_000);
    await runPatternsCron();
    expect(await attempts("x-waiting")).toBe(1);
    // The admin run with an explicit delay relays every stale one, reached or not (the operator asked for it).
    await extraction("x-explicit", "pending", 30_000);
    const res = await call("/v1/admin/jobs/patterns/run", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ older_than_seconds: 10 }) });
    expect(res.status).toBe(200);
    expect(await attempts("x-explicit")).toBe(1);
  });

  it("runs now through the admin route and reports what it did", async () => {
    await strandChunk("relay-tests", "stranded-admin", ["r-admin-1"]);
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

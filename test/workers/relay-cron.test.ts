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

import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { adminHeaders, call, createKey, event, eventually, getEvent, postEvents, strandChunk } from "./helpers";

let key: string;

beforeAll(async () => {
  key = (await createKey("obs-tests")).key;
});

async function metrics(): Promise<string> {
  const res = await call("/metrics");
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toContain("text/plain; version=0.0.4");
  return res.text();
}

function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no series ${series}`);
  return Number(line.slice(series.length + 1));
}

const processed = (id: string) =>
  eventually(async () => ((await (await getEvent(key, id)).json<{ status: string }>()).status === "processed" ? true : undefined));

const NAMED = [
  "learning_events_received_total",
  "learning_events_processed_total",
  "learning_events_rejected_total",
  "learning_duplicates_total",
  "learning_patterns_extracted_total",
  "learning_dataset_examples",
  "learning_dataset_size_bytes",
  "learning_errors_total",
  "learning_stage_duration_seconds",
  "learning_lag_seconds",
  "learning_queue_backlog",
  "learning_breaker_state",
  "learning_cron_last_success_timestamp_seconds",
  "learning_redactions_total",
];

describe("GET /metrics", () => {
  it("exposes every named metric with HELP and TYPE", async () => {
    const text = await metrics();
    for (const name of NAMED) {
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toMatch(new RegExp(`# TYPE ${name} (counter|gauge|histogram)`));
    }
  });

  it("moves the ingest counters and stage histogram when events arrive", async () => {
    const before = await metrics();
    await postEvents(key, [event("m-1"), event("m-2"), event("m-bad", { outcome: "nope" })]);
    await postEvents(key, [event("m-1")]);
    await processed("m-2");
    const after = await metrics();
    expect(sample(after, "learning_events_received_total") - sample(before, "learning_events_received_total")).toBe(2);
    expect(sample(after, "learning_duplicates_total") - sample(before, "learning_duplicates_total")).toBe(1);
    expect(sample(after, 'learning_events_rejected_total{reason="invalid"}') - sample(before, 'learning_events_rejected_total{reason="invalid"}')).toBe(1);
    expect(sample(after, "learning_events_processed_total") - sample(before, "learning_events_processed_total")).toBe(2);
    expect(sample(after, 'learning_stage_duration_seconds_count{stage="ingest"}')).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'learning_stage_duration_seconds_bucket{stage="process",le="+Inf"}')).toBeGreaterThanOrEqual(1);
  });

  it("records cron success times and errors by stage", async () => {
    await call("/v1/admin/jobs/relay/run", { method: "POST", headers: adminHeaders() });
    const text = await metrics();
    expect(sample(text, 'learning_cron_last_success_timestamp_seconds{job="relay"}')).toBeGreaterThan(Date.now() / 1000 - 60);

    // A stored event of a schema version this build does not know makes processing fail.
    await strandChunk("obs-tests", "future-batch", ["future-1"], { schemaVersion: 99 });
    const errorsBefore = sample(text, 'learning_errors_total{stage="process",type="other"}');
    const batch = createMessageBatch("gleaner-telemetry", [
      { id: "future-msg", timestamp: new Date(), attempts: 1, body: { kind: "ingest_batch", batch_id: "future-batch", project: "obs-tests" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).retryMessages).toHaveLength(1);
    expect(sample(await metrics(), 'learning_errors_total{stage="process",type="other"}')).toBe(errorsBefore + 1);
    await env.DB.prepare("UPDATE ingest_batches SET done_at = 1 WHERE batch_id = 'future-batch'").run();
  });

  it("requires the bearer token when METRICS_TOKEN is set", async () => {
    const guarded = { ...env, METRICS_TOKEN: "metrics-secret" };
    const ask = (headers: Record<string, string>) => worker.fetch(new Request("http://gleaner.test/metrics", { headers }), guarded, createExecutionContext());
    expect((await ask({})).status).toBe(401);
    expect((await ask({ Authorization: "Bearer wrong" })).status).toBe(401);
    expect((await ask({ Authorization: "Bearer metrics-secret" })).status).toBe(200);
  });
});

describe("backpressure", () => {
  it("answers 429 with Retry-After past the backlog budget, loses no accepted event, and recovers", async () => {
    await postEvents(key, [event("bp-before")]);
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO ingest_batches (batch_id, project, event_count, created_at, enqueued_at) VALUES ('artificial-backlog', 'obs-tests', 1000000, ?1, ?1)",
    )
      .bind(now)
      .run();
    const refused = await postEvents(key, [event("bp-refused")]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await refused.json<{ error: { code: string } }>()).error.code).toBe("backpressure");
    expect((await getEvent(key, "bp-refused")).status).toBe(404);

    const ready = await (await call("/readyz")).json<{ status: string; checks: { queue: { status: string } } }>();
    expect(ready.status).toBe("degraded");
    expect(ready.checks.queue.status).toBe("degraded");
    const text = await metrics();
    expect(sample(text, "learning_backpressure_active")).toBe(1);
    expect(sample(text, "learning_queue_backlog")).toBeGreaterThanOrEqual(1_000_000);

    await env.DB.prepare("UPDATE ingest_batches SET done_at = ?1 WHERE batch_id = 'artificial-backlog'").bind(Date.now()).run();
    await processed("bp-before");
    expect((await postEvents(key, [event("bp-after")])).status).toBe(202);
    await processed("bp-after");
  });
});

describe("GET /readyz and /healthz", () => {
  it("reports ok with a reason per check, and optional dependencies as unconfigured", async () => {
    expect(await (await call("/healthz")).json()).toEqual({ status: "ok" });
    const res = await call("/readyz");
    const body = await res.json<{ status: string; checks: Record<string, { status: string; reason: string }> }>();
    expect(res.status).toBe(200);
    expect(body.checks.database!.status).toBe("ok");
    expect(body.checks.storage!.status).toBe("ok");
    expect(body.checks.dependency_qdrant!.status).toBe("unconfigured");
    for (const check of Object.values(body.checks)) expect(check.reason.length).toBeGreaterThan(0);
  });
});

describe("dead letters", () => {
  it("lists a dead letter, replays it once, and its work is done once", async () => {
    await strandChunk("obs-tests", "dl-batch", ["dl-1"]);
    const batch = createMessageBatch("gleaner-telemetry-dlq", [
      { id: "dl-msg-1", timestamp: new Date(), attempts: 6, body: { kind: "ingest_batch", batch_id: "dl-batch", project: "obs-tests" } },
    ]);
    await worker.queue(batch, env);

    const list = await (await call("/v1/admin/dead-letters", { headers: adminHeaders() })).json<{
      dead_letters: { id: string; queue: string; reason: string; attempts: number }[];
    }>();
    const letter = list.dead_letters.find((d) => d.id === "dl-msg-1")!;
    expect(letter).toMatchObject({ queue: "gleaner-telemetry-dlq", attempts: 6 });
    expect(letter.reason).toContain("retries exhausted");

    const processedBefore = sample(await metrics(), "learning_events_processed_total");
    const first = await call("/v1/admin/dead-letters/dl-msg-1/replay", { method: "POST", headers: adminHeaders() });
    expect(await first.json()).toMatchObject({ status: "replayed" });
    const second = await call("/v1/admin/dead-letters/dl-msg-1/replay", { method: "POST", headers: adminHeaders() });
    expect(await second.json()).toMatchObject({ status: "already_replayed" });
    await processed("dl-1");
    expect(sample(await metrics(), "learning_events_processed_total")).toBe(processedBefore + 1);

    const pending = await (await call("/v1/admin/dead-letters", { headers: adminHeaders() })).json<{ dead_letters: { id: string }[] }>();
    expect(pending.dead_letters.map((d) => d.id)).not.toContain("dl-msg-1");
  });

  it("purges only with a reason", async () => {
    const batch = createMessageBatch("gleaner-telemetry", [{ id: "poison-purge", timestamp: new Date(), attempts: 1, body: "garbage" }]);
    await worker.queue(batch, env);
    const noReason = await call("/v1/admin/dead-letters/poison-purge", { method: "DELETE", headers: adminHeaders(), body: "{}" });
    expect(noReason.status).toBe(400);
    const purged = await call("/v1/admin/dead-letters/poison-purge", {
      method: "DELETE",
      headers: adminHeaders(),
      body: JSON.stringify({ reason: "not a message of ours" }),
    });
    expect(purged.status).toBe(200);
    const audit = await env.DB.prepare("SELECT reason FROM audit_log WHERE action = 'dead_letter.purge' AND subject = 'poison-purge'").first<{
      reason: string;
    }>();
    expect(audit!.reason).toBe("not a message of ours");
  });
});

describe("request ids", () => {
  it("echoes the caller's X-Request-Id, or makes one", async () => {
    expect((await call("/healthz", { headers: { "X-Request-Id": "req-abc" } })).headers.get("X-Request-Id")).toBe("req-abc");
    expect((await call("/healthz")).headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

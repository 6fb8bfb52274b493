import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parkDeadLetter } from "../../src/adapters/dead-letters";
import worker from "../../src/index";
import { adminHeaders, call } from "./helpers";

const GH = `ghp_${"Dl7Tk9Qx3M".repeat(4)}`;
const SK = `sk-proj-${"s3cr3tV4lu3".repeat(3)}`;
const BEARER = "Bearer abcdefghijklmnopqrstuvwxyz0123456789";

async function deliver(queue: string, body: unknown, attempts = 1) {
  const batch = createMessageBatch(queue, [{ id: `dl-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return { id: batch.messages[0]!.id, result: await getQueueResult(batch, ctx) };
}

async function stored(id: string) {
  return env.DB.prepare("SELECT body, reason FROM dead_letters WHERE id = ?1").bind(id).first<{ body: string; reason: string }>();
}

/** A whole proxy event, as a `log_event` message carries it. */
const proxyEvent = {
  id: "px-dl-1",
  type: "llm_call",
  source: "proxy",
  timestamp: "2026-11-01T10:00:00.000Z",
  query: `my key is ${GH}`,
  response: `use ${BEARER}`,
  attributes: { upstream: `https://user:hunter2pass@llm.example/v1`, headers: [`Authorization: ${BEARER}`], nested: { deep: { key: SK } } },
};

describe("dead letters", () => {
  it("scrub every string of a log_event's proxy event before parking it, and ack it", async () => {
    const body = { kind: "log_event", project: "dl-tests", event: proxyEvent, request_id: "req-dl-1" };
    const { id, result } = await deliver("gleaner-telemetry-dlq", body, 6);
    expect(result.explicitAcks).toEqual([id]);
    const row = await stored(id);
    for (const secret of [GH, SK, "abcdefghijklmnopqrstuvwxyz0123456789", "hunter2pass"]) expect(row!.body).not.toContain(secret);
    const parked = JSON.parse(row!.body);
    expect(parked).toMatchObject({
      kind: "log_event",
      project: "dl-tests",
      request_id: "req-dl-1",
      event: {
        id: "px-dl-1",
        query: "my key is [REDACTED:api_key]",
        response: "use Bearer [REDACTED:bearer_token]",
        attributes: { upstream: "https://[REDACTED:url_password]llm.example/v1", nested: { deep: { key: "[REDACTED:api_key]" } } },
      },
    });
  });

  it("scrub a malformed message the telemetry consumer parks, keeping its reason", async () => {
    const { id, result } = await deliver("gleaner-telemetry", { kind: "log_event", note: `token=${GH}` });
    expect(result.explicitAcks).toEqual([id]);
    const row = await stored(id);
    expect(row!.body).not.toContain(GH);
    expect(row!.reason).toMatch(/^malformed message: /);
  });

  it("scrub the reason too", async () => {
    await parkDeadLetter(
      env.DB,
      { id: "dl-reason-1", queue: "gleaner-extract", body: { kind: "extract" }, reason: `upstream said: invalid key ${SK}`, attempts: 1 },
      Date.now(),
    );
    const row = await stored("dl-reason-1");
    expect(row!.reason).toBe("upstream said: invalid key [REDACTED:api_key]");
  });

  it("drop a body too deep to scrub rather than store it in clear", async () => {
    let deep: unknown = GH;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    await parkDeadLetter(env.DB, { id: "dl-deep-1", queue: "gleaner-telemetry", body: deep, reason: "malformed message", attempts: 1 }, Date.now());
    const row = await stored("dl-deep-1");
    expect(row).toEqual({ body: "null", reason: "malformed message (body dropped: too deep to scrub)" });
  });

  it("follow the configured rules when the dead-letter consumer parks", async () => {
    const body = { kind: "log_event", project: "dl-tests", event: { ...proxyEvent, id: "px-dl-2", query: "contact me at ops@example.com" } };
    const batch = createMessageBatch("gleaner-telemetry-dlq", [{ id: "dl-config-1", timestamp: new Date(), attempts: 6, body }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, REDACT_EMAILS: "true" });
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["dl-config-1"]);
    expect(JSON.parse((await stored("dl-config-1"))!.body).event.query).toBe("contact me at [REDACTED:email]");
  });

  it("list and return letters parked before scrubbing, scrubbed", async () => {
    await env.DB.prepare("INSERT INTO dead_letters (id, queue, body, reason, attempts, created_at) VALUES (?1, 'gleaner-telemetry', ?2, ?3, 1, ?4)")
      .bind("dl-old-1", JSON.stringify({ kind: "log_event", project: "dl-tests", event: proxyEvent }), `failed with ${BEARER}`, Date.now())
      .run();
    const res = await call("/v1/admin/dead-letters?include_replayed=true&limit=500", { headers: adminHeaders() });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const secret of [GH, SK, "abcdefghijklmnopqrstuvwxyz0123456789", "hunter2pass"]) expect(text).not.toContain(secret);
    const old = JSON.parse(text).dead_letters.find((d: { id: string }) => d.id === "dl-old-1");
    expect(old).toMatchObject({ reason: "failed with Bearer [REDACTED:bearer_token]", body: { event: { query: "my key is [REDACTED:api_key]" } } });
  });

  it("replay a scrubbed log_event: its body is still a valid message", async () => {
    const res = await call("/v1/admin/dead-letters/dl-old-1/replay", { method: "POST", headers: adminHeaders() });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: "dl-old-1", status: "replayed" });
  });
});

import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config";
import worker from "../../src/index";
import { adminHeaders, call, createKey, event, eventually, postEvents } from "./helpers";

let key: string;
const PROJECT = "patterns-tests";

beforeAll(async () => {
  key = (await createKey(PROJECT)).key;
  await setMode("default", "ok");
});

async function setMode(ns: string, mode: "ok" | "down" | "slow" | "malformed") {
  const res = await fetch(`${env.TEST_FAKE_AI_URL}/ns/${ns}/__mode`, { method: "POST", body: JSON.stringify({ mode }) });
  expect(res.status).toBe(200);
}

const valuable = (id: string, query: string, extra: Record<string, unknown> = {}) =>
  event(id, {
    query,
    response: `1. check the unit\n2. restart it\n$ systemctl restart ${id}`,
    outcome: "success",
    feedback: 1,
    tokens_in: 900,
    tokens_out: 1400,
    ...extra,
  });

async function extraction(eventId: string) {
  return env.DB.prepare("SELECT status, pattern_id FROM extractions WHERE project = ?1 AND event_id = ?2")
    .bind(PROJECT, eventId)
    .first<{ status: string; pattern_id: string | null }>();
}

async function extracted(eventId: string): Promise<string> {
  return eventually(async () => {
    const row = await extraction(eventId);
    return row?.status === "done" && row.pattern_id ? row.pattern_id : undefined;
  }, 15_000);
}

const auth = () => ({ Authorization: `Bearer ${key}`, "Content-Type": "application/json" });

async function pattern(id: string) {
  const res = await call(`/v1/patterns/${id}`, { headers: auth() });
  expect(res.status).toBe(200);
  return res.json<{ id: string; extractor: string; needs_reextract: boolean; problem: string; source_event_ids: string[] }>();
}

const count = async (sql: string) => (await env.DB.prepare(sql).first<{ n: number }>())!.n;
const runPatternsJob = async (body: unknown = { older_than_seconds: 0 }) => {
  const res = await call("/v1/admin/jobs/patterns/run", { method: "POST", headers: adminHeaders(), body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json<{ result: { reextracted: number; reembedded: number; extractions_relayed: number } }>()).result;
};

describe("patterns", () => {
  it("distils a high-value interaction with the LLM and finds it by meaning", async () => {
    await postEvents(key, [valuable("p-llm", "journald fills the disk after a crash loop")]);
    const id = await extracted("p-llm");
    const p = await pattern(id);
    expect(p.extractor).toBe("llm");
    expect(p.problem).toContain("journald fills the disk");
    expect(p.source_event_ids).toEqual(["p-llm"]);

    const res = await call(`/v1/patterns/search?q=${encodeURIComponent("journald disk full crash loop")}&k=3`, { headers: auth() });
    expect(res.status).toBe(200);
    const body = await res.json<{ results: { id: string; score: number; pattern: { source_event_ids: string[] } }[] }>();
    expect(body.results[0]!.id).toBe(id);
    expect(body.results[0]!.pattern.source_event_ids).toContain("p-llm");
  });

  it("filters searches with POST and rejects a search without q", async () => {
    const filtered = await call("/v1/patterns/search", {
      method: "POST",
      headers: auth(),
      body: JSON.stringify({ q: "journald disk", k: 5, filters: { source: "nobody" } }),
    });
    expect((await filtered.json<{ results: unknown[] }>()).results).toEqual([]);
    const bad = await call("/v1/patterns/search?k=3", { headers: auth() });
    expect(bad.status).toBe(400);
  });

  it("falls back to the heuristic when the LLM is down, opens the breaker, and re-extracts once it is back", async () => {
    await setMode("default", "down");
    await postEvents(key, [valuable("p-down-1", "nginx returns 502 behind the proxy")]);
    await extracted("p-down-1");
    await postEvents(key, [valuable("p-down-2", "postgres refuses connections after upgrade")]);
    await extracted("p-down-2");
    const breaker = await env.DB.prepare("SELECT state FROM breakers WHERE dependency = 'llm'").first<{ state: string }>();
    expect(breaker!.state).toBe("open");
    const metrics = await (await call("/metrics")).text();
    expect(metrics).toContain('learning_breaker_state{dependency="llm"} 2');
    const ready = await (await call("/readyz")).json<{ checks: Record<string, { status: string }> }>();
    expect(ready.checks.breaker_llm!.status).toBe("degraded");

    // While open, no call is made: the third pattern is heuristic at once.
    await postEvents(key, [valuable("p-down-3", "dns lookups time out inside containers")]);
    const id3 = await extracted("p-down-3");
    for (const id of [await extracted("p-down-1"), await extracted("p-down-2"), id3]) {
      expect(await pattern(id)).toMatchObject({ extractor: "heuristic", needs_reextract: true });
    }
    const patternsBefore = await count(`SELECT count(*) AS n FROM patterns WHERE project = '${PROJECT}'`);
    const pointsBefore = await count(`SELECT count(*) AS n FROM vectors WHERE project = '${PROJECT}' AND collection LIKE 'patterns__%'`);

    await setMode("default", "ok");
    // Let the open circuit's wait (BREAKER_HALF_OPEN_SECONDS) pass by moving its opening back, not by sleeping: the next call is a probe.
    await env.DB.prepare("UPDATE breakers SET opened_at = opened_at - ?1 WHERE dependency = 'llm'")
      .bind(readConfig(env).BREAKER_HALF_OPEN_SECONDS * 1000)
      .run();
    const result = await runPatternsJob();
    expect(result.reextracted).toBe(3);
    expect(await pattern(id3)).toMatchObject({ extractor: "llm", needs_reextract: false });
    expect((await env.DB.prepare("SELECT state FROM breakers WHERE dependency = 'llm'").first<{ state: string }>())!.state).toBe("closed");
    expect(await count(`SELECT count(*) AS n FROM patterns WHERE project = '${PROJECT}'`)).toBe(patternsBefore);
    expect(await count(`SELECT count(*) AS n FROM vectors WHERE project = '${PROJECT}' AND collection LIKE 'patterns__%'`)).toBe(pointsBefore);
  });

  it("stores a malformed LLM answer as a heuristic pattern, never as garbage", async () => {
    await setMode("default", "malformed");
    await postEvents(key, [valuable("p-malformed", "cron job runs twice after DST change")]);
    const id = await extracted("p-malformed");
    expect(await pattern(id)).toMatchObject({ extractor: "heuristic", needs_reextract: true });
    await setMode("default", "ok");
  });

  it("leaves pattern and point counts unchanged when a batch is replayed", async () => {
    const patterns = await count(`SELECT count(*) AS n FROM patterns WHERE project = '${PROJECT}'`);
    const points = await count(`SELECT count(*) AS n FROM vectors WHERE project = '${PROJECT}' AND collection LIKE 'patterns__%'`);
    const sources = await count(`SELECT count(*) AS n FROM pattern_sources WHERE project = '${PROJECT}'`);
    const body = { kind: "extract", project: PROJECT, event_ids: ["p-llm", "p-down-1", "p-down-2"] };
    const batch = createMessageBatch("gleaner-extract", [
      { id: "replay-1", timestamp: new Date(), attempts: 1, body },
      { id: "replay-2", timestamp: new Date(), attempts: 2, body },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect(await getQueueResult(batch, ctx)).toMatchObject({
      ackAll: false,
      retryBatch: { retry: false },
      explicitAcks: ["replay-1", "replay-2"],
      retryMessages: [],
    });
    await runPatternsJob();
    expect(await count(`SELECT count(*) AS n FROM patterns WHERE project = '${PROJECT}'`)).toBe(patterns);
    expect(await count(`SELECT count(*) AS n FROM vectors WHERE project = '${PROJECT}' AND collection LIKE 'patterns__%'`)).toBe(points);
    expect(await count(`SELECT count(*) AS n FROM pattern_sources WHERE project = '${PROJECT}'`)).toBe(sources);
  });

  it("never learns from scrubbed text", async () => {
    await postEvents(key, [
      event("p-hashed", { query: `sha256:${"cd".repeat(32)}`, response: "[REDACTED:secrets_detected:api_key]", outcome: "success", feedback: 1 }),
    ]);
    // Scrubbed text may not score high value at all (nothing to judge); ask for its extraction directly, as a high score would.
    await eventually(
      async () => (await env.DB.prepare("SELECT 1 AS ok FROM event_scores WHERE project = ?1 AND event_id = 'p-hashed'").bind(PROJECT).first()) ?? undefined,
    );
    await env.DB.prepare(
      "INSERT INTO extractions (project, event_id, status, enqueued_at, updated_at) VALUES (?1, 'p-hashed', 'pending', ?2, ?2) ON CONFLICT DO NOTHING",
    )
      .bind(PROJECT, Date.now())
      .run();
    const batch = createMessageBatch("gleaner-extract", [
      { id: "hashed-1", timestamp: new Date(), attempts: 1, body: { kind: "extract", project: PROJECT, event_ids: ["p-hashed"] } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    await getQueueResult(batch, ctx);
    await eventually(async () => ((await extraction("p-hashed"))?.status === "done" ? true : undefined), 15_000);
    expect((await extraction("p-hashed"))!.pattern_id).toBeNull();
    expect(await count(`SELECT count(*) AS n FROM pattern_sources WHERE project = '${PROJECT}' AND event_id = 'p-hashed'`)).toBe(0);
  });

  it("keeps the extraction pending and retries while the embeddings server is down", async () => {
    await postEvents(key, [
      event("p-wait", { query: "timer unit never fires", response: "enable the timer, not the service", outcome: "success", feedback: 0 }),
    ]);
    // feedback 0 keeps it under the high-value bar; ask for its extraction directly.
    await env.DB.prepare(
      "INSERT INTO extractions (project, event_id, status, enqueued_at, updated_at) VALUES (?1, 'p-wait', 'pending', ?2, ?2) ON CONFLICT DO NOTHING",
    )
      .bind(PROJECT, Date.now())
      .run();
    await setMode("embed-down", "down");
    const downEnv = { ...env, EMBEDDINGS_URL: `${env.TEST_FAKE_AI_URL}/ns/embed-down`, EMBEDDINGS_MODEL: "fake-embed-16", EMBEDDINGS_DIMENSION: "16" };
    const batch = createMessageBatch("gleaner-extract", [
      { id: "wait-1", timestamp: new Date(), attempts: 1, body: { kind: "extract", project: PROJECT, event_ids: ["p-wait"] } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, downEnv, ctx);
    expect(await getQueueResult(batch, ctx)).toMatchObject({
      ackAll: false,
      retryBatch: { retry: false },
      explicitAcks: [],
      retryMessages: [{ msgId: "wait-1" }],
    });
    expect((await extraction("p-wait"))!.status).toBe("pending");
  });

  it("embeds into a new collection when the model changes, fills it, switches reads, and never writes the old one", async () => {
    const oldCollection = (await env.DB.prepare("SELECT name FROM vector_collections WHERE kind = 'patterns' AND status = 'active'").first<{ name: string }>())!
      .name;
    expect(oldCollection).toBe("patterns__gleaner-hash-v1__256");
    const oldPoints = await count(`SELECT count(*) AS n FROM vectors WHERE collection = '${oldCollection}'`);
    await setMode("embed", "ok");
    const newEnv = {
      ...env,
      EMBEDDINGS_URL: `${env.TEST_FAKE_AI_URL}/ns/embed`,
      EMBEDDINGS_MODEL: "fake-embed-16",
      EMBEDDINGS_DIMENSION: "16",
      PATTERNS_PAGE_SIZE: "2",
    };
    const run = async () => {
      const res = await worker.fetch(
        new Request("http://gleaner.test/v1/admin/jobs/patterns/run", { method: "POST", headers: adminHeaders(), body: "{}" }),
        newEnv,
        createExecutionContext(),
      );
      return (await res.json<{ result: { reembedded: number } }>()).result;
    };
    const statusOf = async (name: string) =>
      (await env.DB.prepare("SELECT status FROM vector_collections WHERE name = ?1").bind(name).first<{ status: string }>())?.status;
    expect((await run()).reembedded).toBe(2);
    expect(await statusOf("patterns__fake-embed-16__16")).toBe("filling");
    expect(await statusOf(oldCollection)).toBe("active");
    while ((await run()).reembedded === 2);
    expect(await statusOf("patterns__fake-embed-16__16")).toBe("active");
    expect(await statusOf(oldCollection)).toBe("retired");
    expect(await count(`SELECT count(*) AS n FROM vectors WHERE collection = '${oldCollection}'`)).toBe(oldPoints);
    expect(await count("SELECT count(*) AS n FROM vectors WHERE collection = 'patterns__fake-embed-16__16'")).toBe(
      await count(`SELECT count(*) AS n FROM patterns`),
    );

    const search = await worker.fetch(
      new Request(`http://gleaner.test/v1/patterns/search?q=${encodeURIComponent("journald fills the disk")}`, { headers: auth() }),
      newEnv,
      createExecutionContext(),
    );
    const body = await search.json<{ collection: string; results: { pattern: { source_event_ids: string[] } }[] }>();
    expect(body.collection).toBe("patterns__fake-embed-16__16");
    expect(body.results[0]!.pattern.source_event_ids).toContain("p-llm");
  });
});

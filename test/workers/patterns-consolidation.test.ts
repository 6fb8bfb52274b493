import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { assignMerges, betterExemplar, compareSearchHits, mergeTags } from "../../src/domain/patterns/consolidate";
import { extractHeuristically } from "../../src/domain/patterns/heuristic-extractor";
import worker from "../../src/index";
import { adminHeaders, call, createKey, event, eventually, postEvents } from "./helpers";

/** A few words change from one to the next; the approach is the same. */
const VARIANTS = [
  "on host web-1",
  "on host web-2",
  "on my server today",
  "on the build box",
  "again on prod",
  "on a fresh VM",
  "on the staging host",
  "every night",
  "on two hosts",
  "after the upgrade",
];

const JOURNALD_ANSWER =
  "1. vacuum the journal with journalctl --vacuum-size=200M\n2. set SystemMaxUse=500M in journald.conf\n$ systemctl restart systemd-journald";

/** High value: success, positive feedback, plenty of work (see test/workers/patterns.test.ts). */
const journald = (id: string, i: number, extra: Record<string, unknown> = {}) =>
  event(id, {
    query: `journald fills the disk after a crash loop ${VARIANTS[i]}`,
    response: JOURNALD_ANSWER,
    outcome: "success",
    feedback: 1,
    tokens_in: 900,
    tokens_out: 1400,
    timestamp: `2026-11-01T10:${String(i).padStart(2, "0")}:00.000Z`,
    tags: i % 2 === 0 ? ["ops"] : ["linux"],
    ...extra,
  });

const postgres = (id: string) =>
  event(id, {
    query: "How do I speed up a slow Postgres query with a missing index?",
    response: "1. run EXPLAIN ANALYZE on the query\n2. create an index on the filtered column\n3. run ANALYZE on the table",
    outcome: "success",
    feedback: 1,
    tokens_in: 800,
    tokens_out: 1200,
    source: "db-agent",
    timestamp: "2026-11-02T09:00:00.000Z",
  });

interface PatternBody {
  id: string;
  support: number;
  source_event_ids: string[];
  quality: number | null;
  first_seen: string | null;
  last_seen: string | null;
  exemplar_event_id: string | null;
  lesson: string;
  problem: string;
  source: string;
  tags: string[];
}

async function extractionOf(project: string, eventId: string) {
  return env.DB.prepare("SELECT status, pattern_id FROM extractions WHERE project = ?1 AND event_id = ?2")
    .bind(project, eventId)
    .first<{ status: string; pattern_id: string | null }>();
}

async function extracted(project: string, eventId: string): Promise<string> {
  return eventually(async () => {
    const row = await extractionOf(project, eventId);
    return row?.status === "done" && row.pattern_id ? row.pattern_id : undefined;
  }, 20_000);
}

const count = async (sql: string, ...binds: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...binds)
    .first<{ n: number }>())!.n;

async function replayExtract(project: string, eventIds: string[]) {
  const body = { kind: "extract", project, event_ids: eventIds };
  const batch = createMessageBatch("gleaner-extract", [
    { id: "replay-a", timestamp: new Date(), attempts: 1, body },
    { id: "replay-b", timestamp: new Date(), attempts: 2, body },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: ["replay-a", "replay-b"], retryMessages: [] });
}

describe("consolidation, pure", () => {
  const unit = (...xs: number[]) => {
    const v = Float32Array.from(xs);
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };

  it("groups near duplicates the same whatever the order of the batch", () => {
    const candidates = [
      { key: "a", order: 3, vector: unit(1, 0.05, 0) },
      { key: "b", order: 1, vector: unit(1, 0, 0) },
      { key: "c", order: 2, vector: unit(0, 1, 0) },
      { key: "d", order: 4, vector: unit(0.98, 0.02, 0.01) },
    ];
    const hits = [[], [], [{ patternId: "pat_old", score: 0.95 }], []];
    const expected = {
      a: { kind: "new", leader: "b" },
      b: { kind: "new", leader: "b" },
      c: { kind: "existing", patternId: "pat_old" },
      d: { kind: "new", leader: "b" },
    };
    for (const order of [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [2, 0, 3, 1],
    ]) {
      const result = assignMerges(
        order.map((i) => candidates[i]!),
        order.map((i) => hits[i]!),
        0.9,
      );
      expect(Object.fromEntries(result)).toEqual(expected);
    }
  });

  it("lets a whole group join the stored pattern one of its members is near", () => {
    const result = assignMerges(
      [
        { key: "a", order: 1, vector: unit(1, 0) },
        { key: "b", order: 2, vector: unit(1, 0.01) },
      ],
      [[], [{ patternId: "pat_x", score: 0.93 }]],
      0.9,
    );
    expect([...result.values()]).toEqual([
      { kind: "existing", patternId: "pat_x" },
      { kind: "existing", patternId: "pat_x" },
    ]);
  });

  it("picks the exemplar by value, then the earlier event, then the id; ranks search ties by support then quality", () => {
    expect(betterExemplar({ eventId: "b", value: 0.9, at: 5 }, { eventId: "a", value: 0.8, at: 1 })).toBe(true);
    expect(betterExemplar({ eventId: "b", value: 0.8, at: 1 }, { eventId: "a", value: 0.8, at: 2 })).toBe(true);
    expect(betterExemplar({ eventId: "b", value: null, at: 1 }, { eventId: "a", value: 0, at: 2 })).toBe(false);
    expect(mergeTags(["ops", "b"], ["a", "ops"])).toEqual(["a", "b", "ops"]);
    const hits = [
      { id: "low", score: 0.8, support: 50, quality: 1 },
      { id: "tie-q", score: 0.9000004, support: 3, quality: 0.9 },
      { id: "tie-s", score: 0.9, support: 7, quality: 0.1 },
      { id: "tie-q2", score: 0.9, support: 3, quality: null },
      { id: "top", score: 0.95, support: 1, quality: null },
    ];
    expect(hits.sort(compareSearchHits).map((h) => h.id)).toEqual(["top", "tie-s", "tie-q", "tie-q2", "low"]);
  });

  it("writes a lesson that says what was done, deterministically", () => {
    const facts = { type: "agent_step_complete", source: "s", query: "journald fills the disk", response: JOURNALD_ANSWER, outcome: "success" };
    const p = extractHeuristically(facts);
    expect(p.lesson).toBe(
      "Vacuum the journal with journalctl --vacuum-size=200M, then set SystemMaxUse=500M in journald.conf, then run `systemctl restart systemd-journald`. It worked.",
    );
    expect(p.lesson).not.toMatch(/^For "/);
    expect(extractHeuristically(facts)).toEqual(p);
    const prose = extractHeuristically({
      ...facts,
      response: "Use copytruncate in logrotate. It keeps the file handle.",
      tools: ["read_file", "bash"],
      outcome: "partial",
    });
    expect(prose.lesson).toBe("Use copytruncate in logrotate. Called read_file, bash; it partly worked.");
    expect(extractHeuristically({ ...facts, response: "Reopen the log.", toolCalls: 2, outcome: undefined }).lesson).toBe(
      "Reopen the log. Used 2 tool call(s).",
    );
  });
});

describe("consolidated patterns", () => {
  const ONE_BY_ONE = "consolidate-one";
  const BATCHED = "consolidate-batch";
  const keys: Record<string, string> = {};
  const auth = (project: string) => ({ Authorization: `Bearer ${keys[project]}`, "Content-Type": "application/json" });
  const getJson = async <T>(project: string, path: string, e: typeof env = env): Promise<{ status: number; body: T }> => {
    const res = await worker.fetch(new Request(`http://gleaner.test${path}`, { headers: auth(project) }), e, createExecutionContext());
    return { status: res.status, body: await res.json<T>() };
  };
  const ids = (prefix: string) => VARIANTS.map((_, i) => `${prefix}-${i}`);
  let merged = "";
  let other = "";

  beforeAll(async () => {
    keys[ONE_BY_ONE] = (await createKey(ONE_BY_ONE)).key;
    keys[BATCHED] = (await createKey(BATCHED)).key;
  });

  it("merges ten near-identical interactions sent one per request into one pattern with support 10", async () => {
    const patternIds = new Set<string>();
    for (const [i, id] of ids("one").entries()) {
      expect((await postEvents(keys[ONE_BY_ONE]!, [journald(id, i)])).status).toBe(202);
      patternIds.add(await extracted(ONE_BY_ONE, id));
    }
    expect(patternIds.size).toBe(1);
    merged = [...patternIds][0]!;
    expect(await count("SELECT count(*) AS n FROM patterns WHERE project = ?1", ONE_BY_ONE)).toBe(1);

    const { status, body: p } = await getJson<PatternBody>(ONE_BY_ONE, `/v1/patterns/${merged}`);
    expect(status).toBe(200);
    expect(p.support).toBe(10);
    expect([...p.source_event_ids].sort()).toEqual(ids("one").sort());
    expect(p.first_seen).toBe("2026-11-01T10:00:00.000Z");
    expect(p.last_seen).toBe("2026-11-01T10:09:00.000Z");
    expect(p.quality).toBeGreaterThan(0.5);
    expect(p.quality).toBeLessThanOrEqual(1);
    expect(ids("one")).toContain(p.exemplar_event_id);
    expect(p.tags).toEqual(["linux", "ops"]);

    const search = await call("/v1/patterns/search", {
      method: "POST",
      headers: auth(ONE_BY_ONE),
      body: JSON.stringify({ q: "journald disk full after crash loop", k: 5, filters: { min_support: 10 } }),
    });
    const found = await search.json<{ results: { id: string; pattern: PatternBody }[] }>();
    expect(found.results.map((r) => r.id)).toEqual([merged]);
    expect(found.results[0]!.pattern).toMatchObject({ support: 10, first_seen: p.first_seen, last_seen: p.last_seen, quality: p.quality });
    expect(found.results[0]!.pattern.source_event_ids).toHaveLength(10);
  });

  it("leaves support at 10 when the ten are posted, redelivered and re-extracted again", async () => {
    const events = ids("one").map((id, i) => journald(id, i));
    const replay = await postEvents(keys[ONE_BY_ONE]!, events);
    expect((await replay.json<{ duplicates: number }>()).duplicates).toBe(10);
    await replayExtract(ONE_BY_ONE, ids("one"));
    // Re-extraction: the rows go back to pending and the consumer sees them again.
    await env.DB.prepare("UPDATE extractions SET status = 'pending' WHERE project = ?1").bind(ONE_BY_ONE).run();
    await replayExtract(ONE_BY_ONE, ids("one"));
    expect(await extractionOf(ONE_BY_ONE, "one-3")).toEqual({ status: "done", pattern_id: merged });
    const { body } = await getJson<PatternBody>(ONE_BY_ONE, `/v1/patterns/${merged}`);
    expect(body.support).toBe(10);
    expect(await count("SELECT count(*) AS n FROM patterns WHERE project = ?1", ONE_BY_ONE)).toBe(1);
    expect(await count("SELECT count(*) AS n FROM pattern_sources WHERE project = ?1", ONE_BY_ONE)).toBe(10);
    expect(await count("SELECT count(*) AS n FROM vectors WHERE project = ?1 AND collection LIKE 'patterns__%'", ONE_BY_ONE)).toBe(1);
  });

  it("makes the same one pattern when the ten arrive in one batch, and a second for a different interaction", async () => {
    expect(
      (
        await postEvents(
          keys[BATCHED]!,
          ids("batch").map((id, i) => journald(id, i)),
        )
      ).status,
    ).toBe(202);
    const patternIds = new Set<string>();
    for (const id of ids("batch")) patternIds.add(await extracted(BATCHED, id));
    expect(patternIds.size).toBe(1);
    const batched = [...patternIds][0]!;
    const { body } = await getJson<PatternBody>(BATCHED, `/v1/patterns/${batched}`);
    expect(body.support).toBe(10);
    expect(body.first_seen).toBe("2026-11-01T10:00:00.000Z");
    expect(body.last_seen).toBe("2026-11-01T10:09:00.000Z");
    await replayExtract(BATCHED, ids("batch"));
    expect((await getJson<PatternBody>(BATCHED, `/v1/patterns/${batched}`)).body.support).toBe(10);

    for (const project of [ONE_BY_ONE, BATCHED]) {
      expect((await postEvents(keys[project]!, [postgres(`${project}-pg`)])).status).toBe(202);
      const pg = await extracted(project, `${project}-pg`);
      expect(pg).not.toBe(project === ONE_BY_ONE ? merged : batched);
      expect(await count("SELECT count(*) AS n FROM patterns WHERE project = ?1", project)).toBe(2);
      if (project === ONE_BY_ONE) other = pg;
    }
    const { body: pg } = await getJson<PatternBody>(ONE_BY_ONE, `/v1/patterns/${other}`);
    expect(pg).toMatchObject({ support: 1, source_event_ids: [`${ONE_BY_ONE}-pg`], source: "db-agent" });
  });

  it("lists patterns by support with cursor paging and filters, and names a bad field", async () => {
    type Page = { patterns: PatternBody[]; next_cursor: string | null };
    const first = await getJson<Page>(ONE_BY_ONE, "/v1/patterns?sort=support&limit=1");
    expect(first.status).toBe(200);
    expect(first.body.patterns.map((p) => [p.id, p.support])).toEqual([[merged, 10]]);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await getJson<Page>(ONE_BY_ONE, `/v1/patterns?sort=support&limit=1&cursor=${encodeURIComponent(first.body.next_cursor!)}`);
    expect(second.body.patterns.map((p) => [p.id, p.support])).toEqual([[other, 1]]);
    expect(second.body.next_cursor).toBeNull();

    const all = await getJson<Page>(ONE_BY_ONE, "/v1/patterns");
    expect(all.body.patterns.map((p) => p.id)).toEqual([merged, other]);
    expect(all.body.next_cursor).toBeNull();
    const recent = await getJson<Page>(ONE_BY_ONE, "/v1/patterns?sort=last_seen");
    expect(recent.body.patterns.map((p) => p.id)).toEqual([other, merged]);
    const byQuality = await getJson<Page>(ONE_BY_ONE, "/v1/patterns?sort=quality&limit=1");
    const qualityNext = await getJson<Page>(ONE_BY_ONE, `/v1/patterns?sort=quality&limit=1&cursor=${byQuality.body.next_cursor}`);
    const qualities = [...byQuality.body.patterns, ...qualityNext.body.patterns].map((p) => p.quality!);
    expect(qualities).toHaveLength(2);
    expect(qualities[0]).toBeGreaterThanOrEqual(qualities[1]!);

    const filtered = async (query: string) => (await getJson<Page>(ONE_BY_ONE, `/v1/patterns?${query}`)).body.patterns.map((p) => p.id);
    expect(await filtered("min_support=2")).toEqual([merged]);
    expect(await filtered("source=db-agent")).toEqual([other]);
    expect(await filtered("tag=ops")).toEqual([merged]);
    expect(await filtered("tag=nothing")).toEqual([]);
    expect(await filtered("min_quality=0")).toHaveLength(2);
    expect(await filtered("min_quality=1&min_support=1")).toEqual(
      [merged, other].filter((id) => [...byQuality.body.patterns, ...qualityNext.body.patterns].find((p) => p.id === id)!.quality! >= 1),
    );

    type ErrorBody = { error: { code: string; details: { errors: { path: string }[] } } };
    for (const [query, field] of [
      ["sort=popularity", "sort"],
      ["limit=0", "limit"],
      ["limit=201", "limit"],
      ["min_support=0", "min_support"],
      ["min_quality=2", "min_quality"],
      ["cursor=not-a-cursor", "cursor"],
      [`sort=quality&cursor=${first.body.next_cursor}`, "cursor"],
    ] as const) {
      const bad = await getJson<ErrorBody>(ONE_BY_ONE, `/v1/patterns?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.error.code).toBe("validation_failed");
      expect(bad.body.error.details.errors.map((e) => e.path)).toContain(field);
    }
    const search = await getJson<{ results: unknown[] }>(ONE_BY_ONE, "/v1/patterns/search?q=journald+disk&min_support=11");
    expect(search.body.results).toEqual([]);
    const unfiltered = await getJson<{ results: { id: string }[] }>(ONE_BY_ONE, "/v1/patterns/search?q=journald+disk&k=1");
    expect(unfiltered.body.results.map((r) => r.id)).toEqual([merged]);
    expect((await call("/v1/patterns")).status).toBe(401);
  });

  it("has the LLM write the lesson from the exemplar and up to three supporting queries", async () => {
    const LLM = "consolidate-llm";
    const key = (await createKey(LLM)).key;
    // Low value (a failure, no feedback) so the live consumer leaves them alone; their extraction is asked for directly.
    const events = [0, 1, 2, 3, 4].map((i) => journald(`llm-${i}`, i, { outcome: "failure", feedback: undefined }));
    expect((await postEvents(key, events)).status).toBe(202);
    await eventually(async () => ((await count("SELECT count(*) AS n FROM event_scores WHERE project = ?1", LLM)) === 5 ? true : undefined));
    await env.DB.prepare(
      "INSERT INTO extractions (project, event_id, status, enqueued_at, updated_at) SELECT ?1, event_id, 'pending', ?2, ?2 FROM events WHERE project = ?1 ON CONFLICT DO NOTHING",
    )
      .bind(LLM, Date.now())
      .run();
    const llmEnv = { ...env, LLM_URL: `${env.TEST_FAKE_AI_URL}/ns/${LLM}` };
    const batch = createMessageBatch("gleaner-extract", [
      { id: "llm-1", timestamp: new Date(), attempts: 1, body: { kind: "extract", project: LLM, event_ids: events.map((e) => e.id) } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, llmEnv, ctx);
    expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: ["llm-1"], retryMessages: [] });
    const id = await extracted(LLM, "llm-0");
    const p = (await (await call(`/v1/patterns/${id}`, { headers: { Authorization: `Bearer ${key}` } })).json()) as PatternBody & { extractor: string };
    expect(p).toMatchObject({ support: 5, extractor: "llm" });
    const calls = await (await fetch(`${env.TEST_FAKE_AI_URL}/ns/${LLM}/__calls`)).json<{ calls: number }>();
    expect(calls.calls).toBe(1);
    const last = await (await fetch(`${env.TEST_FAKE_AI_URL}/ns/${LLM}/__last`)).json<{ body: string }>();
    const sent = JSON.parse((JSON.parse(last.body) as { messages: { content: string }[] }).messages.at(-1)!.content) as {
      query: string;
      supporting_queries: string[];
    };
    expect(p.problem).toBe(`LLM: ${sent.query}`);
    expect(sent.supporting_queries).toHaveLength(3);
    expect(sent.supporting_queries).not.toContain(sent.query);
  });

  it("keeps support and sources when the patterns are re-embedded into a new model's collection", async () => {
    const newEnv = {
      ...env,
      EMBEDDINGS_URL: `${env.TEST_FAKE_AI_URL}/ns/consolidate-embed`,
      EMBEDDINGS_MODEL: "fake-embed-64",
      EMBEDDINGS_DIMENSION: "64",
      PATTERNS_PAGE_SIZE: "3",
    };
    const run = async () => {
      const res = await worker.fetch(
        new Request("http://gleaner.test/v1/admin/jobs/patterns/run", { method: "POST", headers: adminHeaders(), body: "{}" }),
        newEnv,
        createExecutionContext(),
      );
      expect(res.status).toBe(200);
      return (await res.json<{ result: { reembedded: number } }>()).result;
    };
    while ((await run()).reembedded === 3);
    const status = await env.DB.prepare("SELECT status FROM vector_collections WHERE name = 'patterns__fake-embed-64__64'").first<{ status: string }>();
    expect(status!.status).toBe("active");
    const search = await getJson<{ collection: string; results: { id: string; pattern: PatternBody }[] }>(
      ONE_BY_ONE,
      "/v1/patterns/search?q=journald+fills+the+disk&k=2",
      newEnv,
    );
    expect(search.body.collection).toBe("patterns__fake-embed-64__64");
    expect(search.body.results[0]).toMatchObject({ id: merged, pattern: { support: 10 } });
    expect(search.body.results[0]!.pattern.source_event_ids).toHaveLength(10);
    const listed = await getJson<{ patterns: PatternBody[] }>(ONE_BY_ONE, "/v1/patterns?sort=support", newEnv);
    expect(listed.body.patterns.map((p) => [p.id, p.support])).toEqual([
      [merged, 10],
      [other, 1],
    ]);

    // The merge rule keeps working in the new space: one more near duplicate, extracted by a consumer configured for the new model, joins the same pattern.
    expect(
      (await postEvents(keys[ONE_BY_ONE]!, [journald("one-late", 3, { query: "journald fills the disk after a crash loop on the old box" })])).status,
    ).toBe(202);
    await eventually(async () => ((await extractionOf(ONE_BY_ONE, "one-late")) ? true : undefined));
    const batch = createMessageBatch("gleaner-extract", [
      { id: "late-1", timestamp: new Date(), attempts: 1, body: { kind: "extract", project: ONE_BY_ONE, event_ids: ["one-late"] } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, newEnv, ctx);
    expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: ["late-1"], retryMessages: [] });
    expect(await extracted(ONE_BY_ONE, "one-late")).toBe(merged);
    expect((await getJson<PatternBody>(ONE_BY_ONE, `/v1/patterns/${merged}`)).body.support).toBe(11);
  });
});

import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, call, createKey, event, eventually, getEvent, postEvents } from "./helpers";

let key: string;

beforeAll(async () => {
  key = (await createKey("scoring-tests")).key;
});

const auth = () => ({ Authorization: `Bearer ${key}`, "Content-Type": "application/json" });

async function processed(id: string) {
  await eventually(async () => ((await (await getEvent(key, id)).json<{ status: string }>()).status === "processed" ? true : undefined));
}

async function scoreOf(id: string) {
  const res = await call(`/v1/events/${id}/score`, { headers: auth() });
  expect(res.status).toBe(200);
  return res.json<{
    value: number | null;
    confidence: number;
    components: Record<string, number | null>;
    weights: { profile: string; version: number };
    high_value: boolean;
  }>();
}

const runJob = async (name: string) => {
  const res = await call(`/v1/admin/jobs/${name}/run`, { method: "POST", headers: adminHeaders() });
  expect(res.status).toBe(200);
  return (await res.json<{ result: Record<string, number> }>()).result;
};

const counter = async (name: string, labels = "") =>
  (await env.DB.prepare("SELECT value FROM counters WHERE name = ?1 AND labels = ?2").bind(name, labels).first<{ value: number }>())?.value ?? 0;

describe("scoring", () => {
  it("scores on processing: missing feedback is a null component and lowers confidence", async () => {
    await postEvents(key, [event("s-nofb", { query: "why does the cache miss on cold start" }), event("s-fb", { feedback: 1, query: "how to pin wrangler" })]);
    await processed("s-nofb");
    await processed("s-fb");
    const without = await scoreOf("s-nofb");
    const withFb = await scoreOf("s-fb");
    expect(without.components.feedback).toBeNull();
    expect(withFb.components.feedback).toBe(1);
    expect(without.confidence).toBeLessThan(withFb.confidence);
    // Version 2 of the seeded profile: migration 0010 added the quality weight.
    expect(without.weights).toEqual({ profile: "default", version: 2 });
  });

  it("gives value null and confidence 0 with no outcome and no feedback, never high value", async () => {
    await postEvents(key, [event("s-empty", { outcome: undefined })]);
    await processed("s-empty");
    const s = await scoreOf("s-empty");
    expect(s).toMatchObject({ value: null, confidence: 0, high_value: false });
  });

  it("applies late feedback through the scoring cron", async () => {
    await postEvents(key, [event("s-late", { outcome: "partial", query: "late feedback target" })]);
    await processed("s-late");
    const before = await scoreOf("s-late");
    const fb = await call("/v1/feedback", {
      method: "POST",
      headers: auth(),
      body: JSON.stringify({ event_id: "s-late", rating: 1, comment: "exactly right" }),
    });
    expect(fb.status).toBe(202);
    expect((await fb.json<{ status: string; matched_events: number }>()).matched_events).toBe(1);
    expect((await scoreOf("s-late")).components.feedback).toBeNull();
    const result = await runJob("scoring");
    expect(result.feedback_rescored).toBeGreaterThanOrEqual(1);
    const after = await scoreOf("s-late");
    expect(after.components.feedback).toBe(1);
    expect(after.value!).toBeGreaterThan(before.value!);
    expect(after.confidence).toBeGreaterThan(before.confidence);
    // The cursor moved on: a second run re-scores nothing for the same feedback.
    expect((await runJob("scoring")).feedback_rescored).toBe(0);
  });

  it("keeps feedback that arrives before its event and applies it when the event comes", async () => {
    const fb = await call("/v1/feedback", {
      method: "POST",
      headers: auth(),
      body: JSON.stringify({ interaction_id: "int-early", rating: -1, outcome: "failure" }),
    });
    expect((await fb.json<{ matched_events: number }>()).matched_events).toBe(0);
    await postEvents(key, [event("s-early", { interaction_id: "int-early", outcome: "success" })]);
    await processed("s-early");
    const s = await scoreOf("s-early");
    expect(s.components.feedback).toBe(0);
    expect(s.components.outcome).toBe(0);
  });

  it("is idempotent by feedback id", async () => {
    const body = JSON.stringify({ id: "fb-once", event_id: "s-fb", rating: 0 });
    const first = await (await call("/v1/feedback", { method: "POST", headers: auth(), body })).json<{ status: string }>();
    const second = await (await call("/v1/feedback", { method: "POST", headers: auth(), body })).json<{ status: string }>();
    expect([first.status, second.status]).toEqual(["accepted", "duplicate"]);
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM feedback WHERE feedback_id = 'fb-once'").first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("rejects bad feedback naming the field", async () => {
    const res = await call("/v1/feedback", { method: "POST", headers: auth(), body: JSON.stringify({ event_id: "x", rating: 5 }) });
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { details: { errors: { path: string }[] } } }>();
    expect(body.error.details.errors.map((e) => e.path)).toContain("rating");
    const both = await call("/v1/feedback", { method: "POST", headers: auth(), body: JSON.stringify({ event_id: "x", interaction_id: "y", rating: 1 }) });
    expect(both.status).toBe(400);
  });

  it("makes one vector search call for a whole batch of events", async () => {
    const before = await counter("vector_queries_total", 'store="embedded"');
    const events = Array.from({ length: 25 }, (_, i) => event(`s-vec-${i}`, { query: `distinct question number ${i} about topic ${i * 7}` }));
    await postEvents(key, events);
    await processed("s-vec-24");
    await processed("s-vec-0");
    expect(await counter("vector_queries_total", 'store="embedded"')).toBe(before + 1);
  });

  it("finds a repeated question reusable and not novel", async () => {
    await postEvents(key, [event("s-rep-1", { query: "how do I rotate telemetry logs without losing lines" })]);
    await processed("s-rep-1");
    await postEvents(key, [event("s-rep-2", { query: "how do I rotate telemetry logs without losing lines" })]);
    await processed("s-rep-2");
    const first = await scoreOf("s-rep-1");
    const second = await scoreOf("s-rep-2");
    expect(second.components.novelty!).toBeLessThan(0.01);
    expect(second.components.reusability!).toBeGreaterThan(first.components.reusability!);
  });

  it("never embeds scrubbed text", async () => {
    await postEvents(key, [event("s-hash", { query: `sha256:${"ab".repeat(32)}` })]);
    await processed("s-hash");
    const s = await scoreOf("s-hash");
    expect(s.components.reusability).toBeNull();
    expect(s.components.novelty).toBeNull();
    const point = await env.DB.prepare("SELECT count(*) AS n FROM vectors WHERE point_id = 'scoring-tests/s-hash'").first<{ n: number }>();
    expect(point!.n).toBe(0);
  });

  it("re-scores with a new profile version through the cron, old scores keep theirs", async () => {
    await postEvents(key, [event("s-prof", { tags: ["documentation"], query: "document the retention policy" })]);
    await processed("s-prof");
    const old = await scoreOf("s-prof");
    expect(old.weights).toEqual({ profile: "documentation", version: 2 });
    const created = await call("/v1/admin/scoring/profiles/documentation/versions", {
      method: "POST",
      headers: adminHeaders(),
      body: JSON.stringify({ weights: { outcome: 1, feedback: 0, reusability: 0, complexity: 0, novelty: 0 }, note: "outcome only" }),
    });
    expect(created.status).toBe(201);
    expect((await created.json<{ version: number }>()).version).toBe(3);
    const result = await runJob("scoring");
    expect(result.profile_rescored).toBeGreaterThanOrEqual(1);
    const now = await scoreOf("s-prof");
    expect(now.weights).toEqual({ profile: "documentation", version: 3 });
    expect(now.value).toBe(1);
    const rows = await env.DB.prepare("SELECT profile_version, value FROM event_scores WHERE event_id = 's-prof' ORDER BY profile_version").all();
    expect(rows.results.map((r) => r.profile_version)).toEqual([2, 3]);
    expect(rows.results[0]!.value).toBeCloseTo(old.value!, 12);
    expect((await runJob("scoring")).profile_rescored).toBe(0);
  });

  it("validates weights: non-negative, at least one positive, naming the field", async () => {
    const negative = await call("/v1/admin/scoring/profiles/default/versions", {
      method: "POST",
      headers: adminHeaders(),
      body: JSON.stringify({ weights: { outcome: -1, feedback: 0, reusability: 0, complexity: 0, novelty: 0 } }),
    });
    expect(negative.status).toBe(400);
    expect((await negative.json<{ error: { details: { errors: { path: string }[] } } }>()).error.details.errors[0]!.path).toBe("weights.outcome");
    const zeros = await call("/v1/admin/scoring/profiles/default/versions", {
      method: "POST",
      headers: adminHeaders(),
      body: JSON.stringify({ weights: { outcome: 0, feedback: 0, reusability: 0, complexity: 0, novelty: 0 } }),
    });
    expect(zeros.status).toBe(400);
    expect((await zeros.json<{ error: { message: string } }>()).error.message).toContain("at least one weight must be positive");
  });

  it("chooses profiles by configurable rules", async () => {
    const put = await call("/v1/admin/scoring/rules", {
      method: "PUT",
      headers: adminHeaders(),
      body: JSON.stringify({
        rules: [
          { profile: "debugging", source: "crash-*" },
          { profile: "code_generation", type: "completion" },
        ],
      }),
    });
    expect(put.status).toBe(200);
    await postEvents(key, [event("s-rule", { source: "crash-reporter" })]);
    await processed("s-rule");
    expect((await scoreOf("s-rule")).weights.profile).toBe("debugging");
    const bad = await call("/v1/admin/scoring/rules", {
      method: "PUT",
      headers: adminHeaders(),
      body: JSON.stringify({ rules: [{ profile: "nope", tag: "x" }] }),
    });
    expect(bad.status).toBe(400);
  });

  it("answers 404 for the score of an unknown event", async () => {
    expect((await call("/v1/events/nope/score", { headers: auth() })).status).toBe(404);
  });
});

import { describe, expect, it } from "vitest";
import { call, createKey, event, eventually, postEvents } from "./helpers";

/*
 * GET /v1/review: the project's scored, unrated events whose rating would teach the most,
 * ordered by reason (value_unknown, low_confidence, near_threshold, outcome_quality_disagree),
 * then priority, then newest first (docs/review.md).
 */

const REASONS = ["value_unknown", "low_confidence", "near_threshold", "outcome_quality_disagree"];

type Item = { event_id: string; reason: string; priority: number; value: number | null; confidence: number; high_value: boolean; query: string | null };
type Page = { events: Item[]; next_cursor: string | null };
type Score = { value: number | null; confidence: number; high_value: boolean };
type ErrorBody = { error: { code: string; details: { errors: { path: string }[] } } };

function review(key: string, query = ""): Promise<Response> {
  return call(`/v1/review${query}`, { headers: { Authorization: `Bearer ${key}` } });
}

async function page(key: string, query = ""): Promise<Page> {
  const res = await review(key, query);
  expect(res.status).toBe(200);
  return res.json<Page>();
}

async function score(key: string, id: string): Promise<Score | undefined> {
  const r = await call(`/v1/events/${encodeURIComponent(id)}/score`, { headers: { Authorization: `Bearer ${key}` } });
  return r.status === 200 ? r.json<Score>() : undefined;
}

/** Waits until every event is scored. */
async function scored(key: string, ids: string[]): Promise<Map<string, Score>> {
  const all = new Map<string, Score>();
  for (const id of ids) all.set(id, await eventually(() => score(key, id)));
  return all;
}

function feedback(key: string, body: Record<string, unknown>) {
  return call("/v1/feedback", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

/** An event with no outcome and no feedback: its value is unknown. */
function unknownValue(id: string, query: string) {
  return event(id, { outcome: undefined, query, response: `An answer about ${query}` });
}

describe("GET /v1/review", () => {
  it("orders unknown values first, then near-threshold and disagreeing events; a rated event is absent", async () => {
    const { key } = await createKey("review-order");
    const events = [
      unknownValue("u-1", "How do I tail a log file?"),
      event("n-1", {
        query: "How do I list open ports on linux?",
        response: "Run ss -tlnp to list listening TCP ports with their processes.",
        tokens_in: 150,
        tokens_out: 150,
      }),
      event("d-1", { query: "Why does journald fill the disk?", response: "I am not sure." }),
      event("h-1", {
        query: "How do I set up a reproducible Python build with pinned hashes?",
        response: "Use pip-tools: pip-compile --generate-hashes requirements.in, then pip install --require-hashes -r requirements.txt in CI.",
        tokens_in: 2000,
        tokens_out: 2000,
        feedback: 1,
      }),
      unknownValue("u-2", "How do I count lines in a file?"),
    ];
    await postEvents(key, events);
    const scores = await scored(
      key,
      events.map((e) => e.id),
    );
    // Preconditions: the scores are what the reasons below rely on.
    expect(scores.get("u-1")?.value).toBeNull();
    expect(Math.abs((scores.get("n-1")?.value ?? 0) - 0.7)).toBeLessThan(0.1);
    expect(scores.get("n-1")?.confidence).toBeGreaterThanOrEqual(0.5);
    expect(scores.get("h-1")?.high_value).toBe(true);

    const { events: queue, next_cursor } = await page(key);
    expect(next_cursor).toBeNull();
    const ids = queue.map((i) => i.event_id);
    // Unknown values first, newest first (u-2 arrived after u-1).
    expect(ids.slice(0, 2)).toEqual(["u-2", "u-1"]);
    expect(queue.slice(0, 2).map((i) => i.reason)).toEqual(["value_unknown", "value_unknown"]);
    expect(queue.find((i) => i.event_id === "n-1")).toMatchObject({ reason: "near_threshold", query: "How do I list open ports on linux?" });
    expect(queue.find((i) => i.event_id === "d-1")).toMatchObject({ reason: "outcome_quality_disagree" });
    expect(ids).not.toContain("h-1");
    expect(ids.indexOf("n-1")).toBeLessThan(ids.indexOf("d-1"));
    // Reasons never go backwards; within a reason priorities never rise.
    for (let i = 1; i < queue.length; i++) {
      const [a, b] = [queue[i - 1] as Item, queue[i] as Item];
      expect(REASONS.indexOf(b.reason)).toBeGreaterThanOrEqual(REASONS.indexOf(a.reason));
      if (a.reason === b.reason) expect(b.priority).toBeLessThanOrEqual(a.priority);
    }
    for (const item of queue) {
      expect(item.priority).toBeGreaterThan(0);
      expect(item.priority).toBeLessThanOrEqual(1);
    }
  });

  it("takes an event off the queue once it is rated through POST /v1/feedback, by event_id or interaction_id", async () => {
    const { key } = await createKey("review-rate");
    await postEvents(key, [
      unknownValue("r-1", "How do I find large files?"),
      { ...unknownValue("r-2", "How do I compress a directory?"), interaction_id: "int-r" },
      unknownValue("r-3", "How do I check disk usage?"),
    ]);
    await scored(key, ["r-1", "r-2", "r-3"]);
    expect((await page(key)).events.map((i) => i.event_id).sort()).toEqual(["r-1", "r-2", "r-3"]);

    expect((await feedback(key, { event_id: "r-1", rating: 1 })).status).toBe(202);
    expect((await feedback(key, { interaction_id: "int-r", rating: -1 })).status).toBe(202);
    const left = await eventually(async () => {
      const ids = (await page(key)).events.map((i) => i.event_id);
      return ids.length === 1 ? ids : undefined;
    }, 5_000);
    expect(left).toEqual(["r-3"]);
    // Once re-scored with the rating, they stay off.
    await eventually(async () => ((await score(key, "r-1"))?.value !== null ? true : undefined), 5_000);
    expect((await page(key)).events.map((i) => i.event_id)).toEqual(["r-3"]);
  });

  it("pages with limit and next_cursor, without repeats or gaps", async () => {
    const { key } = await createKey("review-page");
    const ids = Array.from({ length: 7 }, (_, i) => `pg-${i}`);
    await postEvents(
      key,
      ids.map((id, i) => unknownValue(id, `Question number ${i} about paging`)),
    );
    await scored(key, ids);
    const whole = (await page(key, "?limit=100")).events.map((i) => i.event_id);
    expect(whole).toEqual([...ids].reverse());

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p: Page = await page(key, `?limit=3${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`);
      expect(p.events.length).toBeLessThanOrEqual(3);
      seen.push(...p.events.map((i) => i.event_id));
      cursor = p.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(whole);
    expect(new Set(seen).size).toBe(seen.length);
    // Default limit is 20: all seven in one page.
    expect((await page(key)).events).toHaveLength(7);
  });

  it.each([
    ["?limit=0", "limit"],
    ["?limit=101", "limit"],
    ["?limit=ten", "limit"],
    ["?cursor=abc", "cursor"],
    ["?cursor=9.1.1", "cursor"],
  ])("answers 400 naming the field for %s", async (query, field) => {
    const { key } = await createKey("review-bad");
    const res = await review(key, query);
    expect(res.status).toBe(400);
    const body = await res.json<ErrorBody>();
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.errors.map((e) => e.path)).toContain(field);
  });

  it("requires a project key and shows only the project's own events", async () => {
    expect((await call("/v1/review")).status).toBe(401);
    const { key } = await createKey("review-own");
    expect(await page(key)).toEqual({ events: [], next_cursor: null });
  });
});

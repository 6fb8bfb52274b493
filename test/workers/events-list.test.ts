import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { adminHeaders, call, createKey, event, eventually, getEvent, postEvents } from "./helpers";
import { any, attr } from "./otlp-json";

interface Listed {
  id: string;
  received_at: string;
  source: string;
  type: string;
  model: string | null;
  outcome: string | null;
  value: number | null;
  confidence: number | null;
  high_value: boolean | null;
  first_user: string | null;
  has_feedback: boolean;
  session_id: string | null;
  snippet?: string;
}
interface ListPage {
  events: Listed[];
  next_cursor: string | null;
}

const DAY = 86_400_000;

async function list(key: string, query: Record<string, string | number> = {}): Promise<ListPage> {
  const res = await call(`/v1/events?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json<ListPage>();
}

const ids = (page: ListPage) => page.events.map((e) => e.id);

/** Every page, following next_cursor: the ids in the order visited. */
async function allPages(key: string, query: Record<string, string | number>): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 50; i++) {
    const page = await list(key, cursor ? { ...query, cursor } : query);
    seen.push(...ids(page));
    cursor = page.next_cursor;
    if (!cursor) return seen;
  }
  throw new Error("too many pages");
}

async function setScore(project: string, eventId: string, value: number, highValue: boolean) {
  await env.DB.prepare(
    `INSERT INTO event_scores (project, event_id, profile, profile_version, value, confidence, components, high_value, reason, scored_at)
     VALUES (?1, ?2, 'test', 99, ?3, 0.5, '{}', ?4, 'test', ?5)`,
  )
    .bind(project, eventId, value, highValue ? 1 : 0, Date.now() + 10 * DAY)
    .run();
}

describe("GET /v1/events: filters", () => {
  it("lists newest first, and each filter (and a combination) narrows the list", async () => {
    const project = "events-list-filters";
    const { key } = await createKey(project);
    await postEvents(key, [
      event("f-1", { source: "alpha", type: "chat", model: "m-a", outcome: "success", session_id: "s-1" }),
      event("f-2", { source: "beta", type: "chat", model: "m-b", outcome: "failure", session_id: "s-1", feedback: 1 }),
      event("f-3", { source: "alpha", type: "tool", model: "m-b", outcome: "partial", session_id: "s-2" }),
    ]);
    await postEvents(key, [event("f-4", { source: "beta", type: "tool", outcome: "success", interaction_id: "ix-4" })]);
    // Feedback sent later, by interaction id.
    const fb = await call("/v1/feedback", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ interaction_id: "ix-4", rating: -1 }),
    });
    expect(fb.status).toBeLessThan(300);
    // Latest scores written directly (a scored_at later than any pipeline rescoring), so values are known.
    await setScore(project, "f-1", 0.9, true);
    await setScore(project, "f-2", 0.4, false);
    await setScore(project, "f-3", 0.7, false);
    await setScore(project, "f-4", 0.2, false);

    const all = await list(key);
    expect(ids(all)).toEqual(["f-4", "f-3", "f-2", "f-1"]);
    const first = all.events.find((e) => e.id === "f-1")!;
    expect(first).toMatchObject({ source: "alpha", type: "chat", model: "m-a", outcome: "success", session_id: "s-1", value: 0.9, high_value: true });
    expect(first.first_user).toBe("How do I rotate logs safely?");
    expect(Date.parse(first.received_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(first.snippet).toBeUndefined();

    expect(ids(await list(key, { source: "alpha" }))).toEqual(["f-3", "f-1"]);
    expect(ids(await list(key, { type: "tool" }))).toEqual(["f-4", "f-3"]);
    expect(ids(await list(key, { model: "m-b" }))).toEqual(["f-3", "f-2"]);
    expect(ids(await list(key, { outcome: "success" }))).toEqual(["f-4", "f-1"]);
    expect(ids(await list(key, { session_id: "s-1" }))).toEqual(["f-2", "f-1"]);
    expect(ids(await list(key, { min_value: 0.5 }))).toEqual(["f-3", "f-1"]);
    expect(ids(await list(key, { max_value: 0.7 }))).toEqual(["f-4", "f-3", "f-2"]);
    expect(ids(await list(key, { min_value: 0.5, max_value: 0.8 }))).toEqual(["f-3"]);
    expect(ids(await list(key, { high_value: "true" }))).toEqual(["f-1"]);
    expect(ids(await list(key, { high_value: "false" }))).toEqual(["f-4", "f-3", "f-2"]);
    const withFeedback = await list(key, { has_feedback: "true" });
    expect(ids(withFeedback)).toEqual(["f-4", "f-2"]);
    expect(withFeedback.events.every((e) => e.has_feedback)).toBe(true);
    expect(ids(await list(key, { has_feedback: "false" }))).toEqual(["f-3", "f-1"]);
    expect(ids(await list(key, { source: "beta", type: "tool" }))).toEqual(["f-4"]);
    expect(ids(await list(key, { source: "alpha", session_id: "s-1", high_value: "true", has_feedback: "false" }))).toEqual(["f-1"]);
    expect(ids(await list(key, { from: new Date(Date.now() - 60_000).toISOString() }))).toHaveLength(4);
    expect(ids(await list(key, { from: new Date(Date.now() + 60_000).toISOString() }))).toEqual([]);
    expect(ids(await list(key, { to: "2000-01-01" }))).toEqual([]);
    expect(ids(await list(key, { to: new Date(Date.now() + 60_000).toISOString(), source: "alpha" }))).toEqual(["f-3", "f-1"]);
    // Another project's events never show.
    const other = await createKey("events-list-filters-other");
    expect(ids(await list(other.key))).toEqual([]);
  });

  it("answers 400 naming the field for a bad filter", async () => {
    const { key } = await createKey("events-list-bad");
    const cases: [string, string][] = [
      ["min_value=2", "min_value"],
      ["max_value=abc", "max_value"],
      ["from=yesterday", "from"],
      ["to=2026-13-45T99:00:00Z", "to"],
      ["high_value=maybe", "high_value"],
      ["has_feedback=yes", "has_feedback"],
      ["limit=0", "limit"],
      ["limit=201", "limit"],
      ["outcome=great", "outcome"],
      ["source=", "source"],
      ["q=%22%2A%22", "q"],
      ["cursor=nope", "cursor"],
    ];
    for (const [query, field] of cases) {
      const res = await call(`/v1/events?${query}`, { headers: { Authorization: `Bearer ${key}` } });
      expect(res.status, query).toBe(400);
      const body = await res.json<{ error: { code: string; message: string; details: { errors: { path: string }[] } } }>();
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.details.errors.map((e) => e.path)).toContain(field);
      expect(body.error.message).toContain(field);
    }
    expect((await call("/v1/events")).status).toBe(401);
  });
});

describe("GET /v1/events: paging", () => {
  it("visits each event once, newest first, with limit and next_cursor", async () => {
    const { key } = await createKey("events-list-paging");
    const sent = Array.from({ length: 23 }, (_, i) => `p-${String(i).padStart(2, "0")}`);
    for (const chunk of [sent.slice(0, 10), sent.slice(10)])
      expect(
        (
          await postEvents(
            key,
            chunk.map((id) => event(id)),
          )
        ).status,
      ).toBe(202);
    const seen = await allPages(key, { limit: 5 });
    expect(seen).toEqual([...sent].reverse());
    const page = await list(key, { limit: 23 });
    expect(page.next_cursor).toBeNull();
  });

  it("pages through ranked search results once each, in a stable order", async () => {
    const { key } = await createKey("events-list-paging-q");
    // Different term frequencies give different ranks; equal ones tie and fall back to newest first.
    const events = Array.from({ length: 17 }, (_, i) =>
      event(`pq-${i}`, { query: `question ${i}`, response: `${"zephyr ".repeat((i % 4) + 1)}and some filler words number ${i}` }),
    );
    expect((await postEvents(key, [...events, event("pq-none", { response: "nothing relevant" })])).status).toBe(202);
    const full = await list(key, { q: "zephyr", limit: 200 });
    expect(full.events).toHaveLength(17);
    expect(full.next_cursor).toBeNull();
    const paged = await allPages(key, { q: "zephyr", limit: 4 });
    expect(paged).toEqual(ids(full));
    expect(new Set(paged).size).toBe(17);
    // The best matches (four occurrences) come first.
    expect(ids(full).slice(0, 4).sort()).toEqual(["pq-11", "pq-15", "pq-3", "pq-7"]);
    // A cursor of a search is refused without q, and the other way round.
    const firstPage = await list(key, { q: "zephyr", limit: 4 });
    const mixed = await call(`/v1/events?cursor=${firstPage.next_cursor}`, { headers: { Authorization: `Bearer ${key}` } });
    expect(mixed.status).toBe(400);
    expect(await mixed.text()).toContain("cursor");
    const plain = await list(key, { limit: 2 });
    const mixed2 = await call(`/v1/events?q=zephyr&cursor=${plain.next_cursor}`, { headers: { Authorization: `Bearer ${key}` } });
    expect(mixed2.status).toBe(400);
  });
});

describe("GET /v1/events?q=: full-text search", () => {
  it("finds an event by a word of its answer and by a word of a later message, ranked, with a marked snippet", async () => {
    const { key } = await createKey("events-list-search");
    await postEvents(key, [
      event("s-answer", { query: "How do I keep logs small?", response: "Configure logrotate with compress and a weekly schedule." }),
      event("s-conv", {
        query: undefined,
        response: undefined,
        messages: [
          { role: "system", content: "You are a helper." },
          { role: "user", content: "My disk is full." },
          { role: "assistant", content: "Let us look at the journal." },
          { role: "user", content: [{ type: "text", text: "It is mostly journald output from the quokka service." }] },
          { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "vacuum", arguments: '{"size":"wombat"}' } }] },
          { role: "tool", tool_call_id: "c1", content: "freed 2G" },
          { role: "assistant", content: "Done: run journalctl --vacuum-size=500M regularly." },
        ],
      }),
      event("s-twice", { query: "logrotate or not?", response: "logrotate, logrotate and again logrotate." }),
      event("s-other", { query: "Something else", response: "Nothing to see." }),
    ]);
    const answer = await list(key, { q: "logrotate" });
    expect(ids(answer)).toEqual(["s-twice", "s-answer"]);
    expect(answer.events[1]?.snippet).toContain("<mark>logrotate</mark>");
    const later = await list(key, { q: "quokka" });
    expect(ids(later)).toEqual(["s-conv"]);
    expect(later.events[0]?.snippet).toContain("<mark>quokka</mark>");
    expect(later.events[0]?.first_user).toBe("My disk is full.");
    // Tool call arguments and tool results are searched too; stemming, case and prefixes.
    expect(ids(await list(key, { q: "wombat" }))).toEqual(["s-conv"]);
    expect(ids(await list(key, { q: "FREED" }))).toEqual(["s-conv"]);
    expect(ids(await list(key, { q: "configured" }))).toEqual(["s-answer"]);
    expect(ids(await list(key, { q: "journa*" }))).toEqual(["s-conv"]);
    // Every word must occur; FTS5 syntax in q is taken as words.
    expect(ids(await list(key, { q: "logrotate weekly" }))).toEqual(["s-answer"]);
    expect(ids(await list(key, { q: 'logrotate" OR "quokka' }))).toEqual([]);
    expect(ids(await list(key, { q: "NEAR(" }))).toEqual([]);
    // Filters combine with q.
    expect(ids(await list(key, { q: "logrotate", outcome: "failure" }))).toEqual([]);
    // Another project's events are never found.
    const other = await createKey("events-list-search-other");
    expect(ids(await list(other.key, { q: "logrotate" }))).toEqual([]);
  });

  it("forgets an event deleted by retention (archived, then deleted)", async () => {
    const project = "events-list-retention";
    const { key } = await createKey(project);
    await postEvents(key, [event("r-old", { response: "the platypus answer" })]);
    await eventually(async () => ((await (await getEvent(key, "r-old")).json<{ status: string }>()).status === "processed" ? true : undefined), 15_000);
    expect(ids(await list(key, { q: "platypus" }))).toEqual(["r-old"]);
    const res = await call("/v1/admin/jobs/lifecycle/run", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ now: Date.now() + 40 * DAY }) });
    expect(res.status).toBe(200);
    expect((await getEvent(key, "r-old")).status).toBe(404);
    expect(ids(await list(key, { q: "platypus" }))).toEqual([]);
    // Gone from the index itself, not only from the answer (the list joins events).
    const left = await env.DB.prepare("SELECT rowid FROM events_fts WHERE events_fts MATCH 'platypus'").all();
    expect(left.results).toEqual([]);
    const integrity = await env.DB.prepare("INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 0)").run();
    expect(integrity.success).toBe(true);
  });

  it("finds the text an OTLP log-record join writes into the event", async () => {
    const { key } = await createKey("events-list-otlp");
    const traceId = "0000abcdaaaabbbbccccddddeeeeffff";
    const spanId = "0000abcd11112222";
    const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
    const span = await call("/v1/otlp/v1/traces", {
      method: "POST",
      headers,
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [attr("service.name", "log-agent")] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId,
                    spanId,
                    name: "chat gpt-4o",
                    startTimeUnixNano: "1767225600000000000",
                    endTimeUnixNano: "1767225600900000000",
                    attributes: [attr("gen_ai.operation.name", "chat"), attr("gen_ai.system", "openai")],
                    status: { code: 1 },
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(span.status).toBe(200);
    const id = `${traceId}:${spanId}`;
    await eventually(async () => ((await getEvent(key, id)).status === 200 ? true : undefined));
    expect(ids(await list(key, { q: "narwhal" }))).toEqual([]);
    const rec = (i: number, eventName: string, body: unknown) => ({
      timeUnixNano: String(1767225600000000000n + BigInt(i)),
      traceId,
      spanId,
      eventName,
      attributes: [attr("gen_ai.system", "openai")],
      body: any(body),
    });
    const logs = await call("/v1/otlp/v1/logs", {
      method: "POST",
      headers,
      body: JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [attr("service.name", "log-agent")] },
            scopeLogs: [
              {
                logRecords: [
                  rec(0, "gen_ai.user.message", { content: "Where does the narwhal config live?" }),
                  rec(1, "gen_ai.choice", { index: 0, finish_reason: "stop", message: { content: "In /etc/narwhal.conf." } }),
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(await logs.json()).toMatchObject({ accepted: 2, joined: 1 });
    const found = await list(key, { q: "narwhal" });
    expect(ids(found)).toEqual([id]);
    expect(found.events[0]?.snippet).toContain("<mark>narwhal</mark>");
  });
});

import { describe, expect, it } from "vitest";
import { call, createKey, event, postEvents } from "./helpers";

interface SessionList {
  sessions: { session_id: string; events: number; first_received_at: string; last_received_at: string; sources: string[] }[];
  next_cursor: string | null;
}

async function sessions(key: string, query = ""): Promise<SessionList> {
  const res = await call(`/v1/sessions${query}`, { headers: { Authorization: `Bearer ${key}` } });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json<SessionList>();
}

describe("GET /v1/sessions", () => {
  it("lists sessions with their counts and sources, newest activity first", async () => {
    const { key } = await createKey("events-list-sessions");
    await postEvents(key, [
      event("a-1", { session_id: "sess-a", source: "agent-1" }),
      event("b-1", { session_id: "sess-b", source: "agent-2" }),
      event("a-2", { session_id: "sess-a", source: "agent-2" }),
      event("none", {}),
    ]);
    await postEvents(key, [event("b-2", { session_id: "sess-b", source: "agent-2" }), event("c-1", { session_id: "sess-c", source: "agent-1" })]);
    const page = await sessions(key);
    expect(page.next_cursor).toBeNull();
    expect(page.sessions.map((s) => s.session_id)).toEqual(["sess-c", "sess-b", "sess-a"]);
    const [c, b, a] = page.sessions;
    expect(c).toMatchObject({ events: 1, sources: ["agent-1"] });
    expect(b).toMatchObject({ events: 2, sources: ["agent-2"] });
    expect(a).toMatchObject({ events: 2, sources: ["agent-1", "agent-2"] });
    expect(Date.parse(b!.first_received_at)).toBeLessThanOrEqual(Date.parse(b!.last_received_at));
    // Another project sees none of them.
    const other = await createKey("events-list-sessions-other");
    expect((await sessions(other.key)).sessions).toEqual([]);
  });

  it("pages with limit and next_cursor, each session once", async () => {
    const { key } = await createKey("events-list-sessions-paging");
    const ids = Array.from({ length: 7 }, (_, i) => `ps-${i}`);
    for (const id of ids) await postEvents(key, [event(`${id}-e`, { session_id: id })]);
    // Activity in an older session moves it to the front.
    await postEvents(key, [event("ps-0-again", { session_id: "ps-0" })]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await sessions(key, `?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.sessions.length).toBeLessThanOrEqual(3);
      seen.push(...page.sessions.map((s) => s.session_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["ps-0", "ps-6", "ps-5", "ps-4", "ps-3", "ps-2", "ps-1"]);
  });

  it("answers 400 naming the field for a bad limit or cursor, and keeps GET /v1/sessions/{id}", async () => {
    const { key } = await createKey("events-list-sessions-bad");
    for (const [query, field] of [
      ["limit=0", "limit"],
      ["limit=201", "limit"],
      ["cursor=abc", "cursor"],
    ]) {
      const res = await call(`/v1/sessions?${query}`, { headers: { Authorization: `Bearer ${key}` } });
      expect(res.status).toBe(400);
      expect((await res.json<{ error: { details: { errors: { path: string }[] } } }>()).error.details.errors.map((e) => e.path)).toContain(field);
    }
    await postEvents(key, [event("one", { session_id: "only" })]);
    const one = await call("/v1/sessions/only", { headers: { Authorization: `Bearer ${key}` } });
    expect(one.status).toBe(200);
  });
});

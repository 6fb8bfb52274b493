import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, event, eventually, getEvent, postEvents } from "./helpers";

let key: string;
let otherKey: string;

const auth = (k = key) => ({ Authorization: `Bearer ${k}` });

type SessionEvent = {
  id: string;
  sequence: number;
  received_at: string;
  status: string;
  event: Record<string, unknown> & { messages?: unknown[]; session_id?: string };
  score: { value: number | null; confidence: number; high_value: boolean } | null;
  feedback: { rating: number; comment?: string; outcome?: string; at: string }[];
};
type Page = { session_id: string; events: SessionEvent[]; next_cursor: string | null };
type ErrorBody = { error: { code: string; details: { errors: { path: string }[] } } };

function readSession(id: string, query = "", k = key) {
  return call(`/v1/sessions/${encodeURIComponent(id)}${query}`, { headers: auth(k) });
}

beforeAll(async () => {
  key = (await createKey("sessions")).key;
  otherKey = (await createKey("sessions-other")).key;
  const posted = await postEvents(key, [
    event("ses-a1", { session_id: "sess-1", query: "first question", response: "first answer" }),
    event("ses-b1", { session_id: "sess-2" }),
    event("ses-a2", { session_id: "sess-1", query: "second question", response: "second answer" }),
    event("ses-a3", { session_id: "sess-1", query: "third question", response: "third answer" }),
  ]);
  expect(posted.status).toBe(202);
  const fb = await call("/v1/feedback", {
    method: "POST",
    headers: { ...auth(), "Content-Type": "application/json" },
    body: JSON.stringify({ event_id: "ses-a2", rating: 1, comment: "exactly right", outcome: "success" }),
  });
  expect(fb.status).toBe(202);
  for (const id of ["ses-a1", "ses-a2", "ses-a3", "ses-b1"]) {
    await eventually(async () => ((await (await getEvent(key, id)).json<{ status: string }>()).status === "processed" ? true : undefined));
  }
});

describe("GET /v1/sessions/{id}", () => {
  it("answers the session's events in server order with their messages, scores and feedback", async () => {
    const res = await readSession("sess-1");
    expect(res.status).toBe(200);
    const page = await res.json<Page>();
    expect(page.session_id).toBe("sess-1");
    expect(page.next_cursor).toBeNull();
    expect(page.events.map((e) => e.id)).toEqual(["ses-a1", "ses-a2", "ses-a3"]);
    const sequences = page.events.map((e) => e.sequence);
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
    for (const e of page.events) {
      expect(e.status).toBe("processed");
      expect(e.event.session_id).toBe("sess-1");
      expect(e.event.schema_version).toBe(2);
      expect(e.score).toEqual({ value: expect.any(Number), confidence: expect.any(Number), high_value: expect.any(Boolean) });
      expect(Number.isNaN(Date.parse(e.received_at))).toBe(false);
    }
    expect(page.events[1]!.event.messages).toEqual([
      { role: "user", content: "second question" },
      { role: "assistant", content: "second answer" },
    ]);
    expect(page.events[0]!.feedback).toEqual([]);
    expect(page.events[2]!.feedback).toEqual([]);
    expect(page.events[1]!.feedback).toEqual([{ rating: 1, comment: "exactly right", outcome: "success", at: expect.any(String) }]);
  });

  it("pages with limit and cursor", async () => {
    const first = await (await readSession("sess-1", "?limit=2")).json<Page>();
    expect(first.events.map((e) => e.id)).toEqual(["ses-a1", "ses-a2"]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await (await readSession("sess-1", `?limit=2&cursor=${first.next_cursor}`)).json<Page>();
    expect(second.events.map((e) => e.id)).toEqual(["ses-a3"]);
    expect(second.next_cursor).toBeNull();
  });

  it("keeps another session's events out", async () => {
    const page = await (await readSession("sess-2")).json<Page>();
    expect(page.events.map((e) => e.id)).toEqual(["ses-b1"]);
    expect(page.events[0]!.feedback).toEqual([]);
  });

  it("answers an empty last page past the end of a known session", async () => {
    const res = await readSession("sess-1", "?cursor=999999999");
    expect(res.status).toBe(200);
    expect(await res.json<Page>()).toEqual({ session_id: "sess-1", events: [], next_cursor: null });
  });

  it("answers 404 for an unknown session, and for a session of another project", async () => {
    const unknown = await readSession("no-such-session");
    expect(unknown.status).toBe(404);
    expect((await unknown.json<ErrorBody>()).error.code).toBe("not_found");
    expect((await readSession("sess-1", "", otherKey)).status).toBe(404);
  });

  it.each([
    ["?limit=0", "limit"],
    ["?limit=201", "limit"],
    ["?limit=ten", "limit"],
    ["?cursor=abc", "cursor"],
    ["?cursor=-1", "cursor"],
  ])("answers 400 naming the field for %s", async (query, field) => {
    const res = await readSession("sess-1", query);
    expect(res.status).toBe(400);
    const body = await res.json<ErrorBody>();
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.errors.map((e) => e.path)).toContain(field);
  });

  it("requires a project key", async () => {
    expect((await call("/v1/sessions/sess-1")).status).toBe(401);
  });
});

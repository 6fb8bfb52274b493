import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, event, eventually, getEvent, postEvents } from "./helpers";

let key: string;
let otherKey: string;

beforeAll(async () => {
  key = (await createKey("ingest-tests")).key;
  otherKey = (await createKey("other-project")).key;
});

describe("POST /v1/events", () => {
  it("accepts a valid batch with 202, stores each event with its schema version", async () => {
    const res = await postEvents(key, [event("ok-1"), event("ok-2", { feedback: 1, tags: ["debugging"] })]);
    expect(res.status).toBe(202);
    const body = await res.json<{ accepted: number; results: { id: string; status: string }[] }>();
    expect(body.accepted).toBe(2);
    expect(body.results.map((r) => [r.id, r.status])).toEqual([
      ["ok-1", "accepted"],
      ["ok-2", "accepted"],
    ]);
    const stored = await (await getEvent(key, "ok-2")).json<Record<string, any>>();
    expect(stored.schema_version).toBe(2);
    expect(stored.event.feedback).toBe(1);
    expect(stored.event.timestamp).toBe("2026-11-01T10:00:00.000Z");
    expect(typeof stored.sequence).toBe("number");
  });

  it("commits accepted events in D1 before answering", async () => {
    const res = await postEvents(key, [event("durable-1")]);
    expect(res.status).toBe(202);
    const row = await env.DB.prepare("SELECT project, schema_version FROM events WHERE event_id = 'durable-1'").first();
    expect(row).toEqual({ project: "ingest-tests", schema_version: 2 });
  });

  it("stores the same batch once and answers duplicate the second time", async () => {
    const batch = [event("dup-1"), event("dup-2")];
    expect((await postEvents(key, batch)).status).toBe(202);
    const second = await postEvents(key, batch);
    expect(second.status).toBe(202);
    const body = await second.json<{ accepted: number; duplicates: number; results: { status: string }[] }>();
    expect(body.accepted).toBe(0);
    expect(body.duplicates).toBe(2);
    expect(body.results.map((r) => r.status)).toEqual(["duplicate", "duplicate"]);
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM events WHERE event_id IN ('dup-1','dup-2')").first<{ n: number }>())!;
    expect(n).toBe(2);
  });

  it("tells the new events of a request from those already stored (a partly replayed request)", async () => {
    expect((await postEvents(key, [event("part-1"), event("part-3")])).status).toBe(202);
    const res = await postEvents(key, [event("part-1"), event("part-2"), event("part-3"), event("part-4")]);
    const body = await res.json<{ accepted: number; duplicates: number; results: { id: string; status: string }[] }>();
    expect(body.results.map((r) => [r.id, r.status])).toEqual([
      ["part-1", "duplicate"],
      ["part-2", "accepted"],
      ["part-3", "duplicate"],
      ["part-4", "accepted"],
    ]);
    expect([body.accepted, body.duplicates]).toEqual([2, 2]);
    const batches = await env.DB.prepare(
      "SELECT b.event_count AS n FROM ingest_batches b JOIN events e ON e.batch_id = b.batch_id WHERE e.event_id = 'part-2'",
    ).first<{ n: number }>();
    expect(batches?.n).toBe(2);
  });

  it("treats a repeated id inside one request as a duplicate", async () => {
    const res = await postEvents(key, [event("same-1"), event("same-1")]);
    const body = await res.json<{ results: { status: string }[] }>();
    expect(body.results.map((r) => r.status)).toEqual(["accepted", "duplicate"]);
  });

  it("accepts the good events of a mixed batch with 207 and names the bad field", async () => {
    const res = await postEvents(key, [
      event("mixed-ok"),
      event("mixed-bad", { outcome: "great", feedback: 5 }),
      { type: "x", source: "y", timestamp: "2026-01-01T00:00:00Z" },
      event("mixed-extra", { colour: "blue" }),
    ]);
    expect(res.status).toBe(207);
    const body = await res.json<{ accepted: number; rejected: number; results: any[] }>();
    expect(body.accepted).toBe(1);
    expect(body.rejected).toBe(3);
    expect(body.results[1].id).toBe("mixed-bad");
    expect(body.results[1].errors.map((e: { path: string }) => e.path).sort()).toEqual(["feedback", "outcome"]);
    expect(body.results[2].errors[0]).toMatchObject({ path: "id" });
    expect(body.results[3].errors[0].message).toContain("'colour'");
    expect((await getEvent(key, "mixed-ok")).status).toBe(200);
    expect((await getEvent(key, "mixed-bad")).status).toBe(404);
  });

  it("answers 400 with every reason when no event is valid", async () => {
    const res = await postEvents(key, [event("bad-ts", { timestamp: "yesterday" })]);
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { code: string; details: { results: any[] } } }>();
    expect(body.error.code).toBe("no_valid_events");
    expect(body.error.details.results[0].errors[0]).toMatchObject({ path: "timestamp" });
  });

  it("answers 400 in the error shape when the body is not JSON", async () => {
    const res = await call("/v1/events", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { code: string; message: string; details: unknown } }>();
    expect(body.error.code).toBe("invalid_json");
    expect(body.error).toHaveProperty("details");
  });

  it("takes NDJSON, one event a line, rejecting only the broken line", async () => {
    const lines = [JSON.stringify(event("nd-1")), "{broken", "", JSON.stringify(event("nd-2"))].join("\n");
    const res = await call("/v1/events", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-ndjson" },
      body: lines,
    });
    expect(res.status).toBe(207);
    const body = await res.json<{ results: { index: number; status: string }[] }>();
    expect(body.results.map((r) => r.status)).toEqual(["accepted", "rejected", "accepted"]);
  });

  it("refuses a body over the limit with 413 before parsing it", async () => {
    const huge = "x".repeat(Number(env.MAX_BODY_BYTES) + 10);
    const res = await call("/v1/events", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: huge,
    });
    expect(res.status).toBe(413);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("payload_too_large");
  });

  it("refuses a body streamed without Content-Length once it passes the limit", async () => {
    const chunk = new TextEncoder().encode("y".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 10) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await call("/v1/events", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: stream,
      // @ts-expect-error duplex is required by the fetch spec for stream bodies
      duplex: "half",
    });
    expect(res.status).toBe(413);
  });

  it("rejects a single event over the per-event byte limit but keeps its neighbours", async () => {
    const res = await postEvents(key, [event("big-1", { response: "z".repeat(Number(env.MAX_EVENT_BYTES)) }), event("small-1")]);
    expect(res.status).toBe(207);
    const body = await res.json<{ results: any[] }>();
    expect(body.results[0]).toMatchObject({ id: "big-1", status: "rejected" });
    expect(body.results[0].errors[0].message).toMatch(/bytes; the limit is/);
  });

  it("rejects an event nested too deep with a reason, never a 5xx", async () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 5000; i++) deep = { d: deep };
    const lines = [
      JSON.stringify(event("deep-ok")),
      `{"id":"deep-1","type":"t","source":"s","timestamp":"2026-01-01T00:00:00Z","attributes":${JSON.stringify(deep)}}`,
    ].join("\n");
    const res = await call("/v1/events", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-ndjson" },
      body: lines,
    });
    expect(res.status).toBe(207);
    const body = await res.json<{ results: { status: string; errors?: { message: string }[] }[] }>();
    expect(body.results[1]!.status).toBe("rejected");
    expect(body.results[1]!.errors![0]!.message).toContain("nests deeper than 32 levels");
  });

  it("refuses a body that is not valid UTF-8 instead of storing replacement characters", async () => {
    const good = new TextEncoder().encode(JSON.stringify({ events: [event("utf8-bad", { query: "caf" })] }));
    const at = good.indexOf(0x66, good.indexOf(0x63, good.length - 60)); // the "f" of "caf"
    const bytes = new Uint8Array([...good.slice(0, at + 1), 0xc3, 0x28, ...good.slice(at + 1)]);
    const res = await call("/v1/events", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body: bytes });
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("invalid_utf8");
    expect((await getEvent(key, "utf8-bad")).status).toBe(404);
  });

  it("refuses more events than the per-request limit with 413", async () => {
    const many = Array.from({ length: Number(env.MAX_EVENTS_PER_REQUEST) + 1 }, (_, i) => event(`many-${i}`));
    const res = await postEvents(key, many);
    expect(res.status).toBe(413);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("too_many_events");
  });

  it("answers 401 without a key and with a wrong or revoked key", async () => {
    const none = await call("/v1/events", { method: "POST", body: "{}" });
    expect(none.status).toBe(401);
    expect((await none.json<{ error: { code: string } }>()).error.code).toBe("unauthorized");
    expect((await postEvents("glk_aaaaaaaaaaaaaaaa_" + "A".repeat(43), [event("x")])).status).toBe(401);
    const doomed = await createKey("ingest-tests");
    await call(`/v1/admin/keys/${doomed.id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${env.GLEANER_ADMIN_TOKEN}` },
    });
    const revoked = await postEvents(doomed.key, [event("after-revoke")]);
    expect(revoked.status).toBe(401);
    expect((await revoked.json<{ error: { message: string } }>()).error.message).toContain("revoked");
  });

  it("answers 403 when a key names another project", async () => {
    const res = await postEvents(otherKey, [event("cross-1")], { "X-Gleaner-Project": "ingest-tests" });
    expect(res.status).toBe(403);
  });

  it("keeps projects apart: the same id in two projects is two events", async () => {
    expect((await postEvents(otherKey, [event("ok-1")])).status).toBe(202);
    expect((await getEvent(otherKey, "ok-1")).status).toBe(200);
    expect((await getEvent(otherKey, "ok-2")).status).toBe(404);
  });

  it("goes through the real local queue and ends processed", async () => {
    await postEvents(key, [event("e2e-1")]);
    const status = await eventually(async () => {
      const body = await (await getEvent(key, "e2e-1")).json<{ status: string }>();
      return body.status === "processed" ? body.status : undefined;
    });
    expect(status).toBe("processed");
  });
});

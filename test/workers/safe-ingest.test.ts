import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { globMatch } from "../../src/domain/scoring/profiles";
import { adminHeaders, call, createKey, event, getEvent, postEvents } from "./helpers";

let key: string;

beforeAll(async () => {
  key = (await createKey("safe-ingest")).key;
});

function ndjson(lines: string[]) {
  return call("/v1/events", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-ndjson" },
    body: `${lines.join("\n")}\n`,
  });
}

function rawJson(body: string) {
  return call("/v1/events", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body });
}

type Result = { index: number; id?: string; status: string; errors?: { path: string; message: string; code?: string }[] };

const line = (id: string, extra = "") => `{"id":"${id}","type":"t","source":"s","timestamp":"2026-11-01T10:00:00Z","query":"q","response":"r"${extra}}`;

describe("POST /v1/events stores exactly what was validated", () => {
  it("rejects a duplicate id in an NDJSON line, naming the key, and stores the good line", async () => {
    const res = await ndjson([line("dup-a", ',"id":"dup-b"'), line("dup-good")]);
    expect(res.status).toBe(207);
    const body = await res.json<{ results: Result[] }>();
    expect(body.results[0]).toMatchObject({ index: 0, status: "rejected", errors: [{ path: "id", code: "duplicate_key" }] });
    expect(body.results[1]).toMatchObject({ id: "dup-good", status: "accepted" });
    expect((await getEvent(key, "dup-a")).status).toBe(404);
    expect((await getEvent(key, "dup-b")).status).toBe(404);
  });

  it("rejects a duplicate type that would have stored null, instead of a 500 failing the request", async () => {
    const res = await ndjson([line("dup-type", ',"type":{"x":1}'), line("dup-type-good")]);
    expect(res.status).toBe(207);
    const body = await res.json<{ results: Result[] }>();
    expect(body.results[0]!.errors![0]).toMatchObject({ path: "type", code: "duplicate_key" });
    expect((await getEvent(key, "dup-type-good")).status).toBe(200);
  });

  it("rejects a duplicate key that hides a secret, also nested, also in a JSON body", async () => {
    const secret = `ghp_${"A1b2C3d4".repeat(5)}`;
    const res = await ndjson([line("dup-secret", `,"query":"${secret}"`)]);
    expect(res.status).toBe(400);
    const nested = await rawJson(`{"events":[${line("dup-nested", `,"attributes":{"a":{"token":"x","token":"${secret}"}}`)},${line("dup-nested-good")}]}`);
    expect(nested.status).toBe(207);
    const body = await nested.json<{ results: Result[] }>();
    expect(body.results[0]!.errors![0]).toMatchObject({ path: "attributes.a.token", code: "duplicate_key" });
    expect(body.results[1]!.status).toBe("accepted");
  });

  it("stores the serialisation of the validated object, never the raw line", async () => {
    const res = await ndjson([`{ "id" : "spaced",  "type":"t","source":"s","timestamp":"2026-11-01T10:00:00Z","query":"q" }`]);
    expect(res.status).toBe(202);
    const row = await env.DB.prepare("SELECT event_id, payload FROM events WHERE project = 'safe-ingest' AND event_id = 'spaced'").first<{
      event_id: string;
      payload: string;
    }>();
    expect(row!.payload).toBe(JSON.stringify({ id: "spaced", timestamp: "2026-11-01T10:00:00Z", type: "t", source: "s", query: "q" }));
  });

  it("rejects an over-long id sent through NDJSON", async () => {
    const res = await ndjson([line("x".repeat(3000))]);
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { details: { results: Result[] } } }>();
    expect(body.error.details.results[0]!.errors![0]!.path).toBe("id");
  });

  it("rejects a lone surrogate with the field and stores nothing for it", async () => {
    const res = await ndjson([line("lone-\\ud800"), line("lone-ok", ',"attributes":{"note":"\\ud83d\\ude00 fine"}')]);
    expect(res.status).toBe(207);
    const body = await res.json<{ results: Result[] }>();
    expect(body.results[0]!.errors![0]).toMatchObject({ path: "id", code: "invalid_unicode" });
    const ok = await (await getEvent(key, "lone-ok")).json<{ event: { attributes: { note: string } } }>();
    expect(ok.event.attributes.note).toBe("😀 fine");
  });

  it("rejects __proto__ keys instead of dropping them, and keeps constructor as data", async () => {
    const res = await rawJson(`{"events":[${line("proto", ',"attributes":{"__proto__":{"x":1}}')},${line("ctor", ',"attributes":{"constructor":"kept"}')}]}`);
    expect(res.status).toBe(207);
    const body = await res.json<{ results: Result[] }>();
    expect(body.results[0]!.errors![0]).toMatchObject({ path: "attributes.__proto__", code: "reserved_key" });
    const ctor = await (await getEvent(key, "ctor")).json<{ event: { attributes: Record<string, unknown> } }>();
    expect(ctor.event.attributes.constructor).toBe("kept");
  });

  it("reserves the proxy: id prefix for events Gleaner records itself", async () => {
    const res = await postEvents(key, [event("proxy:forged"), event("not-proxy")]);
    expect(res.status).toBe(207);
    const body = await res.json<{ results: Result[] }>();
    expect(body.results[0]!.errors![0]).toMatchObject({ path: "id", code: "reserved_id" });
  });
});

describe("timestamps are parsed strictly", () => {
  it.each([
    ["+99:99 offset", "2026-11-01T10:00:00+99:99"],
    ["1e300 epoch", 1e300],
    ["epoch past the Date range", 9e15],
    ["no such day", "2026-02-30T00:00:00Z"],
    ["words", "yesterday"],
  ])("rejects %s", async (_name, timestamp) => {
    const res = await postEvents(key, [event(`ts-bad-${String(timestamp)}`, { timestamp })]);
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { details: { results: Result[] } } }>();
    expect(body.error.details.results[0]!.errors![0]!.path).toBe("timestamp");
  });

  it("reads year 0050 as the year 50, not 1950", async () => {
    const res = await postEvents(key, [event("ts-year-50", { timestamp: "0050-06-01T00:00:00Z" })]);
    expect(res.status).toBe(202);
    const row = await env.DB.prepare("SELECT client_time_ms FROM events WHERE project = 'safe-ingest' AND event_id = 'ts-year-50'").first<{
      client_time_ms: number;
    }>();
    expect(new Date(row!.client_time_ms).getUTCFullYear()).toBe(50);
  });
});

describe("a row the database refuses", () => {
  it("becomes that event's rejection while the others of the request are stored", async () => {
    await env.DB.exec(
      "CREATE TRIGGER IF NOT EXISTS refuse_marked BEFORE INSERT ON events WHEN NEW.source = 'refuse-me' BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END",
    );
    try {
      const res = await postEvents(key, [event("refused-1", { source: "refuse-me" }), event("kept-1"), event("kept-2")]);
      expect(res.status).toBe(207);
      const body = await res.json<{ results: Result[] }>();
      expect(body.results.map((r) => r.status)).toEqual(["rejected", "accepted", "accepted"]);
      expect(body.results[0]!.errors![0]!.message).toMatch(/database refused/);
      expect((await getEvent(key, "kept-2")).status).toBe(200);
      expect((await getEvent(key, "refused-1")).status).toBe(404);
    } finally {
      await env.DB.exec("DROP TRIGGER IF EXISTS refuse_marked");
    }
  });
});

describe("bodies of every other route", () => {
  it("answers 413 before parsing a control body over the limit", async () => {
    const res = await call("/v1/feedback", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ event_id: "x", rating: 1, comment: "y".repeat(300 * 1024) }),
    });
    expect(res.status).toBe(413);
  });

  it("answers 400 naming the key for a duplicate key in an admin body", async () => {
    const res = await call("/v1/admin/jobs/lifecycle/run", { method: "POST", headers: adminHeaders(), body: '{"a":1,"a":2}' });
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { code: string; details: { errors: { path: string }[] } } }>();
    expect(body.error.code).toBe("duplicate_key");
    expect(body.error.details.errors[0]!.path).toBe("a");
  });

  it("answers 400 invalid_utf8 for feedback that is not UTF-8", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"event_id":"x","rating":1,"comment":"'), 0xff, 0xfe, ...new TextEncoder().encode('"}')]);
    const res = await call("/v1/feedback", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body: bytes });
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("invalid_utf8");
  });
});

describe("POST /v1/otlp/v1/traces refuses bad spans with 4xx", () => {
  const TRACE = "5b8efff798038103d269b633813fc60c";
  const span = (extra: Record<string, unknown>) => ({
    resourceSpans: [
      {
        scopeSpans: [
          { spans: [{ traceId: TRACE, spanId: "eee19b7ec3c1b174", attributes: [{ key: "gen_ai.operation.name", value: { stringValue: "chat" } }], ...extra }] },
        ],
      },
    ],
  });
  const otlp = (body: unknown) =>
    call("/v1/otlp/v1/traces", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it.each([
    ["startTimeUnixNano abc", { startTimeUnixNano: "abc" }],
    ["startTimeUnixNano 1.5", { startTimeUnixNano: "1.5" }],
    ["startTimeUnixNano of 30 digits", { startTimeUnixNano: "1".repeat(30) }],
    ["kvlistValue.values [null]", { attributes: [{ key: "gen_ai.x", value: { kvlistValue: { values: [null] } } }] }],
    ["arrayValue.values a string", { attributes: [{ key: "gen_ai.x", value: { arrayValue: { values: "x" } } }] }],
  ])("rejects %s as a partial success naming the field", async (_name, extra) => {
    const res = await otlp(span(extra));
    expect(res.status).toBeLessThan(500);
    const body = await res.json<{ rejected: number; partialSuccess?: { errorMessage: string } }>();
    expect(body.rejected).toBe(1);
    expect(body.partialSuccess!.errorMessage).toMatch(/spans\.0\./);
  });

  it("takes input.messages of [null] without a 5xx", async () => {
    const res = await otlp(span({ spanId: "aaa19b7ec3c1b174", attributes: [{ key: "gen_ai.input.messages", value: { stringValue: "[null]" } }] }));
    expect(res.status).toBe(200);
  });

  it("refuses very deep nesting and duplicate keys with 400", async () => {
    const deep = `${'{"arrayValue":{"values":['.repeat(200)}${"]}}".repeat(200)}`;
    const res = await otlp(`{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":${deep}}]}}]}`);
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("too_deep");
    const dup = await otlp('{"resourceSpans":[],"resourceSpans":[]}');
    expect(dup.status).toBe(400);
  });
});

describe("inputs the fuzz harness found", () => {
  it("refuses numeric OTLP times beyond 64 bits with a 4xx", async () => {
    const res = await call("/v1/otlp/v1/traces", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: "5b8efff798038103d269b633813fc60c",
                    spanId: "bbb19b7ec3c1b174",
                    startTimeUnixNano: 1e30,
                    attributes: [{ key: "gen_ai.operation.name", value: { stringValue: "chat" } }],
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect((await res.json<{ rejected: number }>()).rejected).toBe(1);
  });

  it("answers parallel snapshots of one dataset with 201 or 409 snapshot_conflict, never a 5xx", async () => {
    const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
    expect((await call("/v1/datasets/race", { method: "PUT", headers, body: "{}" })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 8 }, () => call("/v1/datasets/race/snapshots", { method: "POST", headers })));
    const statuses = answers.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses).toContain(201);
    for (const r of answers.filter((a) => a.status === 409)) {
      expect(r.headers.get("Retry-After")).toBe("1");
      expect((await r.json<{ error: { code: string } }>()).error.code).toBe("snapshot_conflict");
    }
  });

  it("refuses a scoring-rule glob over 200 characters, and matches long adversarial globs in linear time", async () => {
    const res = await call("/v1/admin/scoring/rules", {
      method: "PUT",
      headers: adminHeaders(),
      body: JSON.stringify({ rules: [{ profile: "default", source: "a".repeat(201) }] }),
    });
    expect(res.status).toBe(400);
    expect(globMatch(`${"*".repeat(46)}x`, "canary-agent-with-a-long-name")).toBe(false);
    expect(globMatch("crash-*-db*", "CRASH-worker-db1")).toBe(true);
  });
});

describe("compressed bodies", () => {
  it("refuses a Content-Encoding it does not decode with 415 naming it", async () => {
    const res = await call("/v1/events", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", "Content-Encoding": "gzip" },
      body: new Uint8Array([0x1f, 0x8b, 0x08, 0x00]),
    });
    expect(res.status).toBe(415);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("unsupported_content_encoding");
  });
});

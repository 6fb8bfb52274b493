import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { legacyEventId } from "../../src/domain/legacy";
import { call, createKey, getEvent, postEvents } from "./helpers";

let key: string;

beforeAll(async () => {
  key = (await createKey("legacy-ingest")).key;
});

/** Lines as the producers write them (json.dumps: ", " separators, \uXXXX escapes). */
const LINES = [
  '{"event": "task_submitted", "task_id": "537b4f8f-8f2e-492c-abee-2f1916fba26f", "backend": "aider", "prompt_length": 90, "timestamp": "2026-01-05T17:49:37.069463"}',
  '{"timestamp": "2025-12-22T04:00:14.640221+00:00", "source": "aidb", "event_type": "skills_list", "llm_used": null, "tokens_saved": 0, "rag_hits": 0, "collections_used": [], "model": null, "latency_ms": null, "cache_hit": null, "metadata": {"include_pending": false, "count": 0}}',
  '{"event_type": "local_inference", "timestamp": "2026-06-01T12:00:00.123456+00:00Z", "query": "Pourquoi \\u00e7a br\\u00fble \\ud83d\\udd25 ?", "response": "Parce que.", "model": "m", "latency_ms": 10, "tokens_in": null, "tokens_out": null}',
  `{"timestamp": "2026-08-20T10:00:01+00:00", "event": "local_inference", "event_type": "local_inference", "query": "sha256:${"ab".repeat(32)}", "response": "sha256:${"cd".repeat(32)}", "latency_ms": 812.5, "profile": "default", "tokens_in": null, "tokens_out": 42}`,
  '{"timestamp": 1780164119.2421105, "event": "health_spider_http_failure", "event_type": "health_spider_http_failure", "source": "health-spider", "type": "http_failure", "zone": "z", "url": "http://127.0.0.1:8003/health", "service_state": "active"}',
  '{"ts": 1781000000.5, "event_type": "workflow_step_dispatched", "execution_id": "ex-1", "node_id": "n1", "batch_id": "b1", "agent": "local"}',
  '{"event_type": "never_seen_before", "timestamp": "2026-09-01T00:00:00Z", "anything": [1, 2]}',
];

/** Envelopes for lines of one file, with the byte offsets a shipper would give them. */
function envelopes(file: string, lines: string[]) {
  let offset = 0;
  return lines.map((line, i) => {
    const e = { schema_version: "legacy", origin: { file, offset, line: i + 1 }, record: JSON.parse(line) };
    offset += new TextEncoder().encode(line).length + 1;
    return e;
  });
}

describe("POST /v1/events with legacy envelopes", () => {
  it("stores every producer format once, as current-schema events with derived ids", async () => {
    const batch = envelopes("e2e-a.jsonl", LINES);
    const res = await postEvents(key, batch);
    expect(res.status).toBe(202);
    const body = await res.json<{ accepted: number; results: { id: string; status: string }[] }>();
    expect(body.accepted).toBe(LINES.length);
    const ids = batch.map((e) => legacyEventId(e.origin.file, e.origin.offset, e.record));
    expect(body.results.map((r) => r.id)).toEqual(ids);

    const stored = await (await getEvent(key, ids[2]!)).json<{ schema_version: number; event: Record<string, any> }>();
    expect(stored.schema_version).toBe(2);
    expect(stored.event).toMatchObject({
      type: "local_inference",
      source: "hybrid-coordinator",
      timestamp: "2026-06-01T12:00:00.123456+00:00Z",
      query: "Pourquoi ça brûle 🔥 ?",
      attributes: { legacy: { format: "direct-local-inference", file: "e2e-a.jsonl" } },
    });
    const unknown = await (await getEvent(key, ids[6]!)).json<{ event: Record<string, any> }>();
    expect(unknown.event).toMatchObject({ type: "never_seen_before", attributes: { anything: [1, 2] } });
  });

  it("reads each timestamp form into the server's client time", async () => {
    const batch = envelopes("e2e-times.jsonl", LINES);
    await postEvents(key, batch);
    const expected = [
      Date.UTC(2026, 0, 5, 17, 49, 37, 69),
      Date.UTC(2025, 11, 22, 4, 0, 14, 640),
      Date.UTC(2026, 5, 1, 12, 0, 0, 123),
      Date.UTC(2026, 7, 20, 10, 0, 1),
      1780164119242,
      1781000000500,
      Date.UTC(2026, 8, 1),
    ];
    for (const [i, e] of batch.entries()) {
      const row = await env.DB.prepare("SELECT client_time_ms FROM events WHERE event_id = ?1")
        .bind(legacyEventId(e.origin.file, e.origin.offset, e.record))
        .first<{ client_time_ms: number }>();
      expect(row?.client_time_ms).toBe(expected[i]);
    }
  });

  it("answers duplicate when the same lines are sent again, and stores nothing new", async () => {
    const batch = envelopes("e2e-dup.jsonl", LINES.slice(0, 3));
    expect((await postEvents(key, batch)).status).toBe(202);
    const again = await postEvents(key, envelopes("e2e-dup.jsonl", LINES.slice(0, 3)));
    const body = await again.json<{ accepted: number; duplicates: number }>();
    expect(body).toMatchObject({ accepted: 0, duplicates: 3 });
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM events WHERE json_extract(payload, '$.attributes.legacy.file') = 'e2e-dup.jsonl'").first<{
      n: number;
    }>())!;
    expect(n).toBe(3);
  });

  it("never stores hashed text as content", async () => {
    const [, , , scrubbed] = envelopes("e2e-hash.jsonl", LINES);
    await postEvents(key, [scrubbed]);
    const id = legacyEventId(scrubbed!.origin.file, scrubbed!.origin.offset, scrubbed!.record);
    const { event } = await (await getEvent(key, id)).json<{ event: Record<string, any> }>();
    expect(event).not.toHaveProperty("query");
    expect(event).not.toHaveProperty("response");
    expect(event.attributes.scrubbed).toEqual({ query: "sha256", response: "sha256" });
  });

  it("stores a lone surrogate without crashing and reads it back", async () => {
    const record = JSON.parse('{"event_type": "local_inference", "timestamp": "2026-06-01T00:00:00Z", "query": "broken \\ud83d half", "response": "ok"}');
    const e = { schema_version: "legacy", origin: { file: "e2e-lone.jsonl", offset: 0 }, record };
    const res = await call("/v1/events", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-ndjson" },
      body: JSON.stringify(e) + "\n",
    });
    expect(res.status).toBe(202);
    const stored = await getEvent(key, legacyEventId("e2e-lone.jsonl", 0, record));
    expect(stored.status).toBe(200);
    const { event } = await stored.json<{ event: { query: string } }>();
    expect(event.query.startsWith("broken ")).toBe(true);
  });

  it("rejects only the envelopes that cannot be mapped, with their reasons (207)", async () => {
    const good = envelopes("e2e-mixed.jsonl", LINES.slice(0, 1))[0]!;
    const res = await postEvents(key, [
      good,
      { schema_version: "legacy", origin: { file: "e2e-mixed.jsonl", offset: 500 }, record: { event_type: "x" } },
      { schema_version: "legacy", origin: { file: "e2e-mixed.jsonl", offset: 600 }, record: { timestamp: "2026-01-01T00:00:00Z" } },
      { schema_version: "legacy", origin: { file: "e2e-mixed.jsonl" }, record: { event_type: "x", timestamp: "2026-01-01T00:00:00Z" } },
    ]);
    expect(res.status).toBe(207);
    const body = await res.json<{ results: { status: string; errors?: { path: string; message: string }[] }[] }>();
    expect(body.results.map((r) => r.status)).toEqual(["accepted", "rejected", "rejected", "rejected"]);
    expect(body.results[1]!.errors![0]).toEqual({ path: "record.timestamp", message: "the record has no timestamp (nor ts)" });
    expect(body.results[2]!.errors![0]!.path).toBe("record.event_type");
    expect(body.results[3]!.errors![0]!.path).toBe("origin.offset");
  });
});

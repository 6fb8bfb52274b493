import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventV1Schema } from "../../src/domain/event-schema";
import { canonicalJson, isScrubbedText, legacyEventId, upcastLegacyEnvelope } from "../../src/domain/legacy";
import { sha256Hex } from "../../src/domain/legacy/sha256";
import { sha256Hex as webCryptoSha256 } from "../../src/domain/sha256";
import { parseClientTimestamp } from "../../src/domain/timestamps";

const envelope = (record: unknown, file = "hybrid-events.jsonl", offset = 0) => ({ schema_version: "legacy", origin: { file, offset }, record });

function upcastOk(record: unknown, file?: string, offset?: number) {
  const result = upcastLegacyEnvelope(envelope(record, file, offset));
  if (!result.ok) throw new Error(`rejected: ${JSON.stringify(result.errors)}`);
  expect(eventV1Schema.safeParse(result.event).success).toBe(true);
  return result.event as Record<string, any>;
}

describe("legacy timestamps", () => {
  const at = Date.UTC(2026, 0, 10, 9, 12, 3, 118);
  it.each([
    ["aware, with fraction", "2026-01-10T09:12:03.118504+00:00", at],
    ["aware, no fraction (microsecond 0)", "2026-01-10T09:12:03+00:00", at - 118],
    ["naive (utcnow, read as UTC)", "2026-01-10T09:12:03.118504", at],
    ["Z", "2026-01-10T09:12:03.118504Z", at],
    ["strftime Z", "2026-01-10T09:12:03Z", at - 118],
    ["the invalid +00:00Z", "2026-01-10T09:12:03.118504+00:00Z", at],
    ["another offset", "2026-01-10T10:12:03.118504+01:00", at],
    ["Unix float in timestamp", 1768036323.1181, at],
  ])("keeps %s as given and it parses to the same instant", (_name, value, ms) => {
    const event = upcastOk({ event_type: "local_inference", timestamp: value, query: "q" });
    expect(event.timestamp).toBe(value);
    expect(parseClientTimestamp(event.timestamp)).toBe(ms);
  });

  it("uses the float ts when there is no timestamp (node_dispatcher)", () => {
    const event = upcastOk({ ts: 1768036323.118504, event_type: "workflow_step_dispatched", execution_id: "e" });
    expect(event.timestamp).toBe(1768036323.118504);
    expect(event.attributes).not.toHaveProperty("ts");
  });

  it("falls back to ts when timestamp is unreadable, keeping the bad value", () => {
    const event = upcastOk({ ts: 1768036323, timestamp: "soon", event_type: "x" });
    expect(event.timestamp).toBe(1768036323);
    expect(event.attributes.timestamp).toBe("soon");
  });

  it("rejects a record with no time, or an unreadable one, saying why", () => {
    const none = upcastLegacyEnvelope(envelope({ event_type: "x" }));
    expect(none).toEqual({ ok: false, errors: [{ path: "record.timestamp", message: "the record has no timestamp (nor ts)" }] });
    const bad = upcastLegacyEnvelope(envelope({ event_type: "x", timestamp: "yesterday" }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]!.message).toMatch(/"yesterday" is not an ISO 8601 time/);
  });
});

describe("legacy text", () => {
  it("decodes \\uXXXX escapes and surrogate pairs into the text", () => {
    const line =
      '{"event_type": "local_inference", "timestamp": "2026-06-01T00:00:00Z", "query": "caf\\u00e9 \\ud83d\\udd25", "response": "\\u2014 ok \\ud83d\\ude80"}';
    const event = upcastOk(JSON.parse(line));
    expect(event.query).toBe("café 🔥");
    expect(event.response).toBe("— ok 🚀");
  });

  it("survives lone surrogates: a deterministic id and a valid event", () => {
    const record = JSON.parse('{"event_type": "local_inference", "timestamp": "2026-06-01T00:00:00Z", "query": "half \\ud83d pair", "response": "\\udd25"}');
    const a = upcastOk(record);
    const b = upcastOk(structuredClone(record));
    expect(a.id).toBe(b.id);
    expect(a.query).toBe("half \ud83d pair");
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it("never makes hashed or redacted text content; marks it in attributes.scrubbed", () => {
    const hash = `sha256:${"e3b0c442".repeat(8)}`;
    const event = upcastOk({
      timestamp: "2026-08-20T10:00:00+00:00",
      event: "local_inference",
      event_type: "local_inference",
      query: hash,
      response: "[REDACTED:secrets_detected:github_token,aws_key]",
      latency_ms: 5,
    });
    expect(event).not.toHaveProperty("query");
    expect(event).not.toHaveProperty("response");
    expect(event.attributes.scrubbed).toEqual({ query: "sha256", response: "redacted" });
    expect(event.attributes.query).toBe(hash);
  });

  it("tells scrub markers from text", () => {
    expect(isScrubbedText(`sha256:${"0".repeat(64)}`)).toBe(true);
    expect(isScrubbedText(`SHA256:${"A".repeat(64)}`)).toBe(true);
    expect(isScrubbedText("[REDACTED]")).toBe(true);
    expect(isScrubbedText("[REDACTED:secrets_detected:aws_key]")).toBe(true);
    expect(isScrubbedText(`sha256:${"0".repeat(63)}`)).toBe(false);
    expect(isScrubbedText("the sha256: prefix explained")).toBe(false);
    expect(isScrubbedText("")).toBe(false);
  });

  it("drops null and empty text instead of storing it as content", () => {
    const event = upcastOk({ event_type: "local_inference", timestamp: "2026-06-01T00:00:00Z", query: null, response: "  ", tokens_in: null });
    expect(event).not.toHaveProperty("query");
    expect(event).not.toHaveProperty("response");
    expect(event).not.toHaveProperty("tokens_in");
    expect(event.attributes.response).toBe("  ");
  });

  it("keeps values that do not fit v1 in attributes (NaN quoted by the shipper, negative latency, float tokens)", () => {
    const event = upcastOk({ event_type: "local_inference", timestamp: "2026-06-01T00:00:00Z", latency_ms: "NaN", tokens_in: 1.5, tokens_out: -1 });
    expect(event).not.toHaveProperty("latency_ms");
    expect(event.attributes).toMatchObject({ latency_ms: "NaN", tokens_in: 1.5, tokens_out: -1 });
  });
});

describe("legacy event ids", () => {
  const record = { event: "task_submitted", task_id: "t", backend: "aider", prompt_length: 3, timestamp: "2026-01-05T17:49:37.069463" };

  it("are the same for the same line at the same place, whatever the key order", () => {
    const reordered = Object.fromEntries(Object.entries(record).reverse());
    const a = upcastOk(record, "ralph-events.jsonl", 163).id;
    expect(upcastOk(reordered, "ralph-events.jsonl", 163).id).toBe(a);
    expect(a).toMatch(/^legacy-[0-9a-f]{64}$/);
    expect(a).toBe(legacyEventId("ralph-events.jsonl", 163, record));
  });

  it("differ by file label, offset and content", () => {
    const a = legacyEventId("ralph-events.jsonl", 163, record);
    expect(legacyEventId("ralph-events.jsonl", 164, record)).not.toBe(a);
    expect(legacyEventId("hybrid-events.jsonl", 163, record)).not.toBe(a);
    expect(legacyEventId("ralph-events.jsonl", 163, { ...record, prompt_length: 4 })).not.toBe(a);
  });

  it("hash with a SHA-256 that agrees with crypto.subtle", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 300 }), async (text) => {
        const bytes = new TextEncoder().encode(text);
        expect(sha256Hex(bytes)).toBe(await webCryptoSha256(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it("canonical JSON sorts keys at every level", () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
  });
});

describe("upcastLegacyEnvelope", () => {
  it("never throws, and maps any typed, timed JSON object deterministically", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })),
        fc.constantFrom("event", "event_type"),
        fc.string({ minLength: 1, maxLength: 100 }),
        fc.nat(),
        (fields, key, type, offset) => {
          const record = { ...fields, [key]: type, timestamp: "2026-01-01T00:00:00Z" };
          if (key === "event") delete (record as Record<string, unknown>).event_type;
          const first = upcastLegacyEnvelope(envelope(record, "f.jsonl", offset));
          const second = upcastLegacyEnvelope(envelope(JSON.parse(JSON.stringify(record)), "f.jsonl", offset));
          expect(JSON.stringify(first)).toBe(JSON.stringify(second));
          expect(first.ok).toBe(true);
          if (first.ok) expect(first.event.type).toBe(type);
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (record) => void upcastLegacyEnvelope(envelope(record))),
      { numRuns: 300 },
    );
  });

  it("rejects malformed envelopes and untyped records with a path and a reason", () => {
    const cases: [unknown, string][] = [
      [{ schema_version: "legacy", origin: { file: "", offset: 0 }, record: {} }, "origin.file"],
      [{ schema_version: "legacy", origin: { file: "f", offset: -1 }, record: {} }, "origin.offset"],
      [{ schema_version: "legacy", origin: { file: "f", offset: 0 }, record: [1] }, "record"],
      [{ schema_version: "legacy", origin: { file: "f", offset: 0 }, record: {}, extra: 1 }, "extra"],
      [envelope({ timestamp: "2026-01-01T00:00:00Z", query: "no type" }), "record.event_type"],
    ];
    for (const [value, path] of cases) {
      const result = upcastLegacyEnvelope(value);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.map((e) => e.path)).toContain(path);
    }
  });

  it("refuses records nested deeper than the limit instead of recursing without bound", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const result = upcastLegacyEnvelope(envelope({ event_type: "x", timestamp: "2026-01-01T00:00:00Z", deep }));
    expect(result).toMatchObject({ ok: false, errors: [{ path: "record" }] });
  });

  it("keeps extra origin fields with the event", () => {
    const result = upcastLegacyEnvelope({
      schema_version: "legacy",
      origin: { file: "f.jsonl", offset: 7, line: 2, path: "/var/log/f.jsonl", host: "box" },
      record: { event_type: "x", timestamp: "2026-01-01T00:00:00Z" },
    });
    expect(result.ok && result.event.attributes).toMatchObject({ legacy: { file: "f.jsonl", offset: 7, line: 2, path: "/var/log/f.jsonl", host: "box" } });
  });
});

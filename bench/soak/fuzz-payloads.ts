import fc from "fast-check";

/** One bad request: what it is, its body, its content type (undefined: no header). */
export interface BadPayload {
  kind: string;
  body: string | Uint8Array;
  contentType?: string;
}

const base = { id: "fuzz", type: "agent_step_complete", source: "fuzz", timestamp: "2026-11-23T10:00:00Z" };
const wrap = (events: unknown[]) => JSON.stringify({ events });

/** Every v1 field with values of the wrong type or out of range, and unknown fields. */
const wrongField = fc
  .record({
    field: fc.constantFrom("id", "type", "source", "timestamp", "session_id", "interaction_id", "query", "response", "outcome", "feedback", "latency_ms", "model", "tokens_in", "tokens_out", "tags", "attributes", "schema_version", "unknown_field"),
    value: fc.oneof(
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.string({ maxLength: 20 }),
      fc.array(fc.integer(), { maxLength: 5 }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
      fc.constantFrom(-1, 2, 1.5, -0.001, "great", "", "not-a-date", 1e309, "2026-13-45T99:99:99Z", Array(51).fill("t")),
    ),
  })
  .map(({ field, value }) => ({ kind: "wrong_type", body: wrap([{ ...base, id: `wrong-${field}`, [field]: value }]), contentType: "application/json" }));

const missingField = fc
  .constantFrom("id", "type", "source", "timestamp")
  .map((field) => {
    const e: Record<string, unknown> = { ...base };
    delete e[field];
    return { kind: "missing_field", body: wrap([e]), contentType: "application/json" };
  });

/** Strings past the per-field and per-event limits. */
const hugeString = fc
  .record({ field: fc.constantFrom("id", "type", "source", "model", "query", "response"), size: fc.integer({ min: 201, max: 120_000 }) })
  .map(({ field, size }) => ({ kind: "huge_string", body: wrap([{ ...base, [field]: "x".repeat(size) }]), contentType: "application/json" }));

/** Objects and arrays nested deeply inside attributes (and as the event itself). */
const deepNesting = fc
  .record({ depth: fc.integer({ min: 50, max: 20_000 }), array: fc.boolean(), where: fc.constantFrom("attributes", "tags", "event") })
  .map(({ depth, array, where }) => {
    const open = array ? "[" : '{"a":';
    const close = array ? "]" : "}";
    const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
    const body =
      where === "event"
        ? `{"events":[${deep}]}`
        : `{"events":[{"id":"deep","type":"t","source":"s","timestamp":"2026-11-23T10:00:00Z","${where}":${deep}}]}`;
    return { kind: "deep_nesting", body, contentType: "application/json" };
  });

/** Invalid UTF-8 sequences (lone continuation bytes, overlongs, surrogates, 0xFF) inside JSON strings and outside them. */
const invalidUtf8 = fc
  .record({
    bytes: fc.array(fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xff, 0xfe, 0xed), { minLength: 1, maxLength: 6 }),
    where: fc.constantFrom("id", "query", "outside"),
  })
  .map(({ bytes, where }) => {
    const enc = new TextEncoder();
    const parts =
      where === "outside"
        ? [enc.encode('{"events":['), Uint8Array.from(bytes), enc.encode("]}")]
        : [enc.encode(`{"events":[{"id":"utf8","type":"t","source":"s","timestamp":"2026-11-23T10:00:00Z","${where}":"`), Uint8Array.from(bytes), enc.encode('"}]}')];
    const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      body.set(p, o);
      o += p.length;
    }
    return { kind: "invalid_utf8", body, contentType: "application/json" };
  });

/** A valid body cut short anywhere. */
const truncated = fc
  .integer({ min: 0, max: 1000 })
  .chain((n) => {
    const body = wrap([{ ...base, id: `trunc-${n}`, query: "How do I rotate logs?", attributes: { a: [1, 2, { b: "c" }] } }]);
    return fc.integer({ min: 0, max: body.length - 1 }).map((cut) => ({ kind: "truncated_json", body: body.slice(0, cut), contentType: "application/json" }));
  });

/** Good JSON sent as something else, or with no content type at all. */
const wrongContentType = fc
  .constantFrom("text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "image/png", "application/jsonx", undefined)
  .map((contentType) => ({ kind: "wrong_content_type", body: new TextEncoder().encode(wrap([{ ...base, id: "ct" }])), ...(contentType ? { contentType } : {}) }));

/** Top-level shapes that are not { events: [...] }, too many events, NDJSON with bad lines. */
const wrongShape = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ kind: "wrong_shape", body: JSON.stringify(v), contentType: "application/json" })),
  fc.constantFrom('{"events":{}}', '{"events":null}', '{"evnts":[]}', '{"events":[]}', "null", '""', "[]", "{}", " ").map((body) => ({ kind: "wrong_shape", body, contentType: "application/json" })),
  fc.constant({ kind: "too_many_events", body: wrap(Array.from({ length: 1001 }, (_, i) => ({ ...base, id: `many-${i}` }))), contentType: "application/json" }),
  fc.array(fc.oneof(fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v))), { minLength: 1, maxLength: 5 }).map((lines) => ({
    kind: "ndjson_bad_lines",
    body: lines.join("\n"),
    contentType: "application/x-ndjson",
  })),
  fc.array(wrongField.map((p) => JSON.parse(p.body as string).events[0]), { minLength: 2, maxLength: 10 }).map((events) => ({ kind: "mixed_batch", body: wrap(events), contentType: "application/json" })),
);

/** Bodies over MAX_BODY_BYTES (5 MiB), with and without a Content-Length. Rare: each is 5 MB on the wire. */
const oversized = fc.integer({ min: 1, max: 512 * 1024 }).map((extra) => ({ kind: "oversized_body", body: `{"events":[${" ".repeat(5 * 1024 * 1024 + extra)}]}`, contentType: "application/json" }));

export const badPayload: fc.Arbitrary<BadPayload> = fc.oneof(
  { arbitrary: wrongField, weight: 20 },
  { arbitrary: missingField, weight: 4 },
  { arbitrary: hugeString, weight: 6 },
  { arbitrary: deepNesting, weight: 6 },
  { arbitrary: invalidUtf8, weight: 8 },
  { arbitrary: truncated, weight: 12 },
  { arbitrary: wrongContentType, weight: 6 },
  { arbitrary: wrongShape, weight: 14 },
  { arbitrary: oversized, weight: 1 },
);

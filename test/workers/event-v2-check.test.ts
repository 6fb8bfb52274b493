import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventV2Schema, toFieldErrors } from "../../src/domain/event-schema";
import { checkEventV2, parseEventV2 } from "../../src/domain/event-v2-check";
import { parseClientTimestamp } from "../../src/domain/timestamps";

const RUNS = { numRuns: 3000 };

/** Values of the wrong kind for any field. */
const junk = fc.oneof(
  fc.constantFrom(null, undefined, true, false, [], {}, "", "x", 0, -1, 1, 2, Number.NaN, Number.POSITIVE_INFINITY),
  fc.double(),
  fc.string({ maxLength: 3 }),
  fc.array(fc.string({ maxLength: 2 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
);

/** Mostly a fitting value, sometimes one at the edge of the limits (either side), seldom anything. */
const field = <T, U>(good: fc.Arbitrary<T>, edge?: fc.Arbitrary<U>) =>
  fc.oneof(
    { weight: 60, arbitrary: good as fc.Arbitrary<unknown> },
    { weight: edge ? 2 : 0, arbitrary: (edge ?? junk) as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: junk },
  );

/** A text field of at most `max` characters: short ones, and lengths max - 1 … max + 1, empty, odd characters. */
const text = (max: number) =>
  field(
    fc.string({ minLength: 1, maxLength: 8 }),
    fc.oneof(
      fc.integer({ min: max - 1, max: max + 1 }).map((n) => "é".repeat(n)),
      fc.constant(""),
      fc.string({ unit: "grapheme", maxLength: 3 }),
    ),
  );
const count = field(fc.nat({ max: 100_000 }), fc.constantFrom(-0, -1, 0.5, 2 ** 53 - 1, 2 ** 53, 1e300, Number.POSITIVE_INFINITY, Number.NaN, "1"));
const plainString = (max: number) => field(fc.string({ maxLength: max }));

/** An object whose keys come in a random order; `__proto__` as an own key, as JSON.parse makes it. */
const shuffled = (arb: fc.Arbitrary<Record<string, unknown>>) =>
  arb.chain((o) => {
    const keys = Object.keys(o);
    return fc.shuffledSubarray(keys, { minLength: keys.length, maxLength: keys.length }).map((order) => Object.fromEntries(order.map((k) => [k, o[k]])));
  });

/** Sometimes one key the schema does not know (`__proto__` among them). */
const withStray = (arb: fc.Arbitrary<Record<string, unknown>>) =>
  fc
    .tuple(arb, fc.oneof({ weight: 40, arbitrary: fc.constant(null) }, fc.constantFrom("extra", "__proto__", "constructor", "toString", "0", "Id")), junk)
    .map(([o, k, v]) => (k === null ? o : Object.fromEntries([...Object.entries(o), [k, v]])));

const timestamp = field(
  fc.oneof(
    fc.integer({ min: 0, max: 2e12 }),
    fc.date({ noInvalidDate: true, min: new Date("0001-01-01"), max: new Date("9999-12-31") }).map((d) => d.toISOString()),
    fc.constantFrom("2026-11-23T10:00:00Z", "2026-11-23 10:00:00", "2026-11-23T10:00:00+00:00Z", " 17000000 ", "1700000000.5"),
  ),
  fc.constantFrom(
    "2026-02-30T00:00:00Z",
    "abc",
    "1e5",
    -1,
    1.5e20,
    `2026-11-23T10:00:00.${"1".repeat(43)}Z`,
    `2026-11-23T10:00:00.${"1".repeat(44)}Z`,
    "x".repeat(65),
  ),
);

const jsonRecord = fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });

const contentPart = withStray(shuffled(fc.record({ type: text(64), text: fc.string({ maxLength: 5 }), image_url: jsonRecord }, { requiredKeys: ["type"] })));
const fn = field(fc.constant("function"), fc.constantFrom("Function", ""));
const toolCall = withStray(
  shuffled(fc.record({ id: text(200), type: fn, function: field(withStray(shuffled(fc.record({ name: text(200), arguments: plainString(8) })))) })),
);
const message = withStray(
  shuffled(
    fc.record(
      {
        role: field(fc.constantFrom("system", "developer", "user", "assistant", "tool"), fc.constant("User")),
        content: field(fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null), fc.array(contentPart, { maxLength: 3 }))),
        name: text(200),
        tool_calls: field(fc.array(toolCall, { maxLength: 2 })),
        tool_call_id: text(200),
      },
      { requiredKeys: ["role"] },
    ),
  ),
);
const tool = withStray(
  shuffled(
    fc.record({
      type: fn,
      function: field(
        withStray(
          shuffled(
            fc.record(
              { name: text(200), description: plainString(8), parameters: field(jsonRecord, fc.constant([])), strict: field(fc.boolean()) },
              { requiredKeys: ["name"] },
            ),
          ),
        ),
      ),
    }),
  ),
);

/** v2 events near the schema's edges: every field, valid or not, keys in any order, stray keys. */
const event = withStray(
  shuffled(
    fc.record(
      {
        schema_version: field(fc.constantFrom(1, 2), fc.constantFrom(0, 3, "2")),
        id: text(200),
        type: text(100),
        source: text(100),
        timestamp,
        session_id: text(200),
        interaction_id: text(200),
        query: plainString(10),
        response: plainString(10),
        outcome: field(fc.constantFrom("success", "partial", "failure", "unknown"), fc.constant("SUCCESS")),
        feedback: field(fc.constantFrom(-1, 0, 1, null), fc.constantFrom(-0, 2, 0.5, "1")),
        latency_ms: field(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom(-0, -1e-9, Number.POSITIVE_INFINITY, Number.NaN)),
        model: text(200),
        tokens_in: count,
        tokens_out: count,
        tags: field(
          fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 3 }),
          fc.oneof(fc.array(fc.constant("t"), { minLength: 49, maxLength: 51 }), fc.constant(["a", ""])),
        ),
        attributes: field(jsonRecord, fc.constant([])),
        messages: field(fc.array(message, { minLength: 1, maxLength: 3 }), fc.constant([])),
        tools: field(fc.array(tool, { maxLength: 2 })),
        trace_id: text(128),
        span_id: text(128),
        parent_id: text(128),
      },
      { requiredKeys: ["id", "type", "source", "timestamp"] },
    ),
  ),
);

/** A value as ingest gets it from a request body: JSON text parsed (undefined gone, `-0` kept as `0`, `__proto__` an own key). */
const asParsed = (v: unknown) => JSON.parse(JSON.stringify(v) ?? "null") as unknown;

function sameAsZod(value: unknown): void {
  const fast = checkEventV2(value);
  const zod = eventV2Schema.safeParse(value);
  if (fast) {
    expect(zod.success).toBe(true);
    // What is stored is the serialisation: the same keys, in the same order, with the same values.
    expect(JSON.stringify(fast.event)).toBe(JSON.stringify(zod.data));
    expect(fast.clientTimeMs).toBe(parseClientTimestamp(zod.data?.timestamp as string | number));
  }
  const combined = parseEventV2(value);
  expect(combined.ok).toBe(zod.success);
  if (combined.ok) expect(JSON.stringify(combined.event)).toBe(JSON.stringify(zod.data));
  else if (!zod.success) expect(combined.errors).toEqual(toFieldErrors(zod.error));
}

describe("checkEventV2 against eventV2Schema (properties)", () => {
  it("accepts exactly what the schema accepts from a parsed body, and answers the same event", () => {
    let accepted = 0;
    fc.assert(
      fc.property(event, (e) => {
        const value = asParsed(e);
        sameAsZod(value);
        // From JSON text the check is exact: it never leaves a valid event to zod.
        expect(checkEventV2(value) !== undefined).toBe(eventV2Schema.safeParse(value).success);
        if (checkEventV2(value)) accepted++;
      }),
      RUNS,
    );
    // The generator reaches both sides of the line.
    expect(accepted).toBeGreaterThan(RUNS.numRuns / 20);
  });

  it("never accepts what the schema refuses, for values built in code (undefined fields, odd objects)", () => {
    fc.assert(
      fc.property(event, (e) => sameAsZod(e)),
      RUNS,
    );
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withDate: true, withMap: true, withSparseArray: true, withBoxedValues: true }), (v) => sameAsZod(v)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        event,
        fc.anything({ withNullPrototype: true, withDate: true, withBoxedValues: true, maxDepth: 1 }),
        fc.constantFrom(...Object.keys(eventV2Schema.shape)),
        (e, v, key) => sameAsZod({ ...e, [key]: v }),
      ),
      { numRuns: 1000 },
    );
  });

  it("knows every key of the schema, in its order", () => {
    const all = {
      schema_version: 2,
      id: "e",
      type: "t",
      source: "s",
      timestamp: 1,
      session_id: "s",
      interaction_id: "i",
      query: "q",
      response: "r",
      outcome: "success",
      feedback: null,
      latency_ms: 1,
      model: "m",
      tokens_in: 1,
      tokens_out: 1,
      tags: ["a"],
      attributes: { a: 1 },
      messages: [{ tool_call_id: "c", role: "tool", content: [{ text: "x", type: "text" }] }],
      tools: [{ function: { strict: true, name: "f" }, type: "function" }],
      trace_id: "t",
      span_id: "s",
      parent_id: "p",
    };
    expect(Object.keys(all).sort()).toEqual(Object.keys(eventV2Schema.shape).sort());
    const reversed = Object.fromEntries(Object.entries(all).reverse());
    const fast = checkEventV2(reversed);
    expect(fast).toBeDefined();
    expect(JSON.stringify(fast?.event)).toBe(JSON.stringify(eventV2Schema.parse(reversed)));
  });

  it("leaves a record's own __proto__ key to zod, which drops it", () => {
    const value = JSON.parse('{"id":"e","type":"t","source":"s","timestamp":1,"attributes":{"__proto__":{"x":1},"a":1}}') as unknown;
    expect(checkEventV2(value)).toBeUndefined();
    const parsed = parseEventV2(value);
    expect(parsed.ok && JSON.stringify(parsed.event.attributes)).toBe('{"a":1}');
  });
});

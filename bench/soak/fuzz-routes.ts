import fc from "fast-check";
import { badBodies, Raw, render, type BodyShape } from "./fuzz-bodies";
import { badPayload, type BadPayload } from "./fuzz-payloads";

/** One bad request against one route: `route` is its template, `path` the concrete path sent. */
export interface FuzzCase extends BadPayload {
  route: string;
  method: "POST" | "PUT" | "DELETE";
  path: string;
  auth: "project" | "admin";
}

interface Route {
  method: FuzzCase["method"];
  /** The template; `{name}`-style segments are filled with a valid value, or a bad one for `bad_path_param` cases. */
  route: string;
  auth: FuzzCase["auth"];
  /** Valid values of the path parameters (the fuzz run creates what they name). */
  params?: Record<string, string>;
  /** Share of the cases, relative to the others. */
  weight: number;
  bodies: fc.Arbitrary<BadPayload>;
}

/** Path segments no route accepts: empty, encoded NUL, `..`, invalid UTF-8, too long, prototype names. */
const badSegment = fc.constantFrom("%00", "%2e%2e", "..%2f..", "%ff%fe", "%F0%9F%94%A5", "a".repeat(300), "Bad%20Name", "__proto__", "constructor", "-", "%", "%zz", "x%0Ay");

/** A GenAI span that maps to an event: the base the OTLP cases break. */
const span = (traceId: string, spanId: string) => ({
  traceId,
  spanId,
  name: "chat",
  startTimeUnixNano: "1795428000000000000",
  endTimeUnixNano: "1795428000500000000",
  status: { code: 1 },
  attributes: [
    { key: "gen_ai.operation.name", value: { stringValue: "chat" } },
    { key: "gen_ai.prompt", value: { stringValue: "How do I rotate logs?" } },
    { key: "gen_ai.usage.input_tokens", value: { intValue: "12" } },
  ],
  events: [{ name: "gen_ai.choice", attributes: [{ key: "content", value: { stringValue: "Use logrotate." } }] }],
});
const traces = (spans: unknown[]) => ({ resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "fuzz" } }] }, scopeSpans: [{ spans }] }] });
const hex = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: n, maxLength: n });
const attr = (key: string, value: unknown) => ({ key, value });

/** OTLP bodies that are JSON and nearly valid: bad times, bad AnyValues, bad GenAI messages, wrong shapes at every level. */
const badOtlp: fc.Arbitrary<BadPayload> = fc
  .record({ traceId: hex(32), spanId: hex(16) })
  .chain(({ traceId, spanId }) => {
    const ok = span(traceId, spanId);
    const bodyWith = (mutate: (s: Record<string, unknown>) => unknown) => render(traces([mutate({ ...ok })]));
    const withAttrs = (extra: unknown[]) => bodyWith((s) => ({ ...s, attributes: [...ok.attributes, ...extra] }));
    const badTime = fc
      .record({
        field: fc.constantFrom("startTimeUnixNano", "endTimeUnixNano", "both"),
        value: fc.constantFrom<unknown>("abc", "1.5", "1".repeat(30), "-5", "", " 1", "0x10", "1e3", 1.5, -1, 1e30, new Raw("1e309"), new Raw("-1e309"), Number.MAX_VALUE, "9".repeat(400)),
      })
      .map(({ field, value }) => ({
        kind: "otlp_bad_time",
        body: bodyWith((s) => (field === "both" ? { ...s, startTimeUnixNano: value, endTimeUnixNano: value } : { ...s, [field]: value })),
      }));
    const badAnyValue = fc
      .constantFrom<unknown>(
        { kvlistValue: { values: [null] } },
        { kvlistValue: { values: [1] } },
        { kvlistValue: { values: "x" } },
        { kvlistValue: { values: [{ key: 1 }] } },
        { kvlistValue: null },
        { arrayValue: { values: "x" } },
        { arrayValue: { values: [null] } },
        { arrayValue: { values: { a: 1 } } },
        { arrayValue: null },
        { intValue: "abc" },
        { intValue: "1".repeat(40) },
        { intValue: {} },
        { doubleValue: "x" },
        { stringValue: 5 },
        { stringValue: null },
        { bytesValue: 1 },
        "x",
        null,
        [],
      )
      .chain((value) =>
        fc.constantFrom("gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.prompt", "gen_ai.input.messages", "gen_ai.conversation.id", "gen_ai.other").map((key) => ({
          kind: "otlp_bad_anyvalue",
          body: withAttrs([attr(key, value)]),
        })),
      );
    const badMessages = fc
      .record({
        key: fc.constantFrom("gen_ai.input.messages", "gen_ai.output.messages"),
        text: fc.constantFrom("[null]", "[1]", '[{"role":1}]', '[{"role":"user","content":{}}]', '{"a":1}', "null", '[{"parts":null}]', '[{"parts":[null]}]', '[{"parts":"x"}]', '[{"message":null}]', "[[]]", '"x"', "[", "1e309"),
        asArray: fc.boolean(),
      })
      .map(({ key, text, asArray }) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = null;
        }
        const value = asArray && Array.isArray(parsed) ? { arrayValue: { values: parsed } } : { stringValue: text };
        return { kind: "otlp_bad_messages", body: withAttrs([attr(key, value)]) };
      });
    const badEvents = fc
      .constantFrom<unknown>("x", [null], [{ attributes: "x" }], [{ attributes: [null] }], [{ name: 1 }], [{ name: "gen_ai.choice", attributes: [{ key: "content", value: { kvlistValue: { values: [null] } } }] }], [{ timeUnixNano: "abc" }])
      .map((events) => ({ kind: "otlp_bad_span_events", body: bodyWith((s) => ({ ...s, events })) }));
    const badLevels = fc
      .constantFrom<unknown>(
        { resourceSpans: "x" },
        { resourceSpans: [null] },
        { resourceSpans: [{ scopeSpans: "x" }] },
        { resourceSpans: [{ scopeSpans: [null] }] },
        { resourceSpans: [{ scopeSpans: [{ spans: "x" }] }] },
        { resourceSpans: [{ scopeSpans: [{ spans: [null, 1, "x", []] }] }] },
        { resourceSpans: [{ resource: { attributes: "x" }, scopeSpans: [] }] },
        { resourceSpans: [{ resource: { attributes: [null] }, scopeSpans: [{ spans: [ok] }] }] },
        { resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { kvlistValue: { values: [null] } } }] }, scopeSpans: [{ spans: [ok] }] }] },
        traces([{ ...ok, attributes: "x" }]),
        traces([{ ...ok, attributes: [null] }]),
        traces([{ ...ok, attributes: [{ key: null }] }]),
        traces([{ ...ok, status: "x" }]),
        traces([{ ...ok, status: { code: {} } }]),
        traces([{ ...ok, traceId: 1 }]),
        traces([{ ...ok, parentSpanId: 5 }]),
      )
      .map((body) => ({ kind: "otlp_bad_shape", body: render(body) }));
    const deep = fc.record({ depth: fc.integer({ min: 50, max: 20_000 }), kv: fc.boolean() }).map(({ depth, kv }) => {
      const open = kv ? '{"kvlistValue":{"values":[{"key":"k","value":' : '{"arrayValue":{"values":[';
      const close = kv ? "}]}}" : "]}}";
      return { kind: "otlp_deep_nesting", body: withAttrs([attr("gen_ai.deep", new Raw(`${open.repeat(depth)}{"stringValue":"x"}${close.repeat(depth)}`))]) };
    });
    const duplicate = fc.constantFrom("traceId", "spanId", "startTimeUnixNano", "attributes").map((key) => {
      const text = render(traces([ok]));
      const value = key === "attributes" ? '"x"' : key === "startTimeUnixNano" ? '"abc"' : '"zz"';
      return { kind: "otlp_duplicate_keys", body: text.replace(`"${key}":`, `"${key}":${value},"${key}":`) };
    });
    const surrogate = fc.constantFrom("\\ud800", "\\udfff", "\\u0000").chain((s) =>
      fc.constantFrom("stringValue", "key", "traceId", "name").map((where) => {
        const text = render(traces([ok]));
        const body =
          where === "stringValue"
            ? text.replace('"stringValue":"How', `"stringValue":"${s}How`)
            : where === "key"
              ? text.replace('"key":"gen_ai.prompt"', `"key":"gen_ai.${s}"`)
              : where === "traceId"
                ? text.replace(`"traceId":"${traceId}"`, `"traceId":"${s}${traceId.slice(6)}"`)
                : text.replace('"name":"chat"', `"name":"${s}"`);
        return { kind: "otlp_lone_surrogate", body };
      }),
    );
    return fc.oneof(badTime, badAnyValue, badMessages, badEvents, badLevels, deep, duplicate, surrogate);
  })
  .map((p) => ({ ...p, contentType: "application/json" }));

const chatBase = { model: "stub", messages: [{ role: "user", content: "How do I rotate logs?" }] };

/** Request bodies an OpenAI client would never send, and answers the stub upstream picks by `model` (see fuzz-upstream.ts). */
const badChat = fc.oneof(
  {
    weight: 3,
    arbitrary: badBodies({
      base: chatBase,
      fields: ["model", "messages", "messages.0", "messages.0.role", "messages.0.content", "stream", "max_tokens"],
      strings: ["model", "messages.0.content"],
      special: {
        messages: [[null], "x", [1], [[]], [{ role: "user", content: [null] }], [{ role: "user", content: [{ text: 1 }] }], [{ role: "user", content: { text: "x" } }], []],
        stream: ["yes", 1, null, new Raw("1e309")],
        model: [{}, [], 1, null, "x".repeat(100_000)],
      },
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom("null", "1", '"x"', "[]", "true").map((body) => ({ kind: "json_not_object", body, contentType: "application/json" })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ answer: fc.integer({ min: 0, max: 15 }), stream: fc.boolean() })
      .map(({ answer, stream }) => ({ kind: `bad_upstream_answer${stream ? "_stream" : ""}`, body: JSON.stringify({ ...chatBase, model: `fuzz-answer-${answer}`, stream }), contentType: "application/json" })),
  },
);

const shapes = {
  feedback: {
    base: { event_id: "fuzz-event", rating: 1, comment: "fine", outcome: "success" },
    fields: ["id", "event_id", "interaction_id", "rating", "comment", "outcome"],
    strings: ["id", "event_id", "comment"],
    special: { rating: [2, -2, 0.5, "1", true, new Raw("1e309")], interaction_id: ["fuzz-interaction"], id: ["x".repeat(201)] },
  },
  search: {
    base: { q: "journald fills the disk", k: 5, filters: { source: "fuzz", tags: ["debugging"], min_value: 0.5 } },
    fields: ["q", "k", "filters", "filters.source", "filters.tags", "filters.tags.0", "filters.min_value"],
    strings: ["q", "filters.source", "filters.tags.0"],
    special: { k: ["abc", -1, 0, 51, 1.5, "5", new Raw("1e309")], q: ["", "x".repeat(4001)], "filters.tags": [Array(21).fill("t"), [null], "x"] },
  },
  dataset: {
    base: { rules: { min_value: 0.7, min_confidence: 0.5, outcomes: ["success"], near_duplicate_threshold: 0.95, system_prompt: "Be careful." } },
    fields: ["rules", "rules.min_value", "rules.min_confidence", "rules.outcomes", "rules.outcomes.0", "rules.sources", "rules.profiles", "rules.near_duplicate_threshold", "rules.system_prompt"],
    strings: ["rules.system_prompt", "rules.outcomes.0"],
    special: { "rules.outcomes": [[], ["bogus"], null], "rules.sources": [[""], Array(101).fill("s")], "rules.near_duplicate_threshold": [new Raw("1e309"), -0.1, 1.1] },
  },
  rollback: { base: { version: 1 }, fields: ["version"], strings: [], special: { version: ["1", 0, -1, 1.5, new Raw("1e309"), 2 ** 53, null, {}, 999_999] } },
  snapshot: { base: {}, fields: ["version", "note"], strings: ["note"] },
  job: {
    base: { older_than_seconds: 0 },
    fields: ["older_than_seconds", "now"],
    strings: [],
    special: {
      older_than_seconds: [new Raw("-1e309"), new Raw("1e309"), -1e20, 1e20, "abc", null, -1, 1.5],
      now: [new Raw("1e309"), new Raw("-1e309"), -1, 0, 1e20, 8.64e15 + 1, "2026-01-01", null],
    },
  },
  retention: {
    base: { raw_events_days: 30, processed_days: 90, dead_letters_days: 30, archives_days: 365 },
    fields: ["raw_events_days", "processed_days", "dead_letters_days", "archives_days"],
    strings: [],
    special: { raw_events_days: [0, 36_501, 1.5, "30", new Raw("1e309"), -1] },
  },
  restore: { base: { key: "archives/fuzz/000000000001-000000000002.ndjson.gz" }, fields: ["key"], strings: ["key"], special: { key: ["", "archives/../x", "/", "x".repeat(2000), "archives/fuzz/"] } },
  purge: { base: { reason: "fuzzing a purge" }, fields: ["reason"], strings: ["reason"], special: { reason: ["", "ab", "x".repeat(501)] } },
  profileVersion: {
    base: { weights: { outcome: 0.4, feedback: 0.2, reusability: 0.2, complexity: 0.1, novelty: 0.1 }, note: "fuzz" },
    fields: ["weights", "weights.outcome", "weights.feedback", "weights.reusability", "weights.complexity", "weights.novelty", "note"],
    strings: ["note"],
    special: {
      weights: [{ outcome: 0, feedback: 0, reusability: 0, complexity: 0, novelty: 0 }, { outcome: -1, feedback: 1, reusability: 0, complexity: 0, novelty: 0 }, { outcome: 1 }],
      "weights.outcome": [new Raw("1e309"), new Raw("1e308"), -0.0001, "0.4"],
      note: ["x".repeat(501)],
    },
  },
  rules: {
    base: { rules: [{ profile: "debugging", source: "crash-*" }] },
    fields: ["rules", "rules.0", "rules.0.profile", "rules.0.type", "rules.0.source", "rules.0.tag"],
    strings: ["rules.0.source", "rules.0.profile"],
    special: {
      rules: [Array(201).fill({ profile: "default", type: "x" }), [null], [{ profile: "nope", type: "x" }], [{ profile: "default" }], "x"],
      "rules.0.source": ["(", "[", "*(*", "\\", "**********************************************x", ".*", "x".repeat(100_000)],
    },
  },
} satisfies Record<string, BodyShape>;

const noBody = fc.constantFrom<BadPayload>(
  { kind: "no_body", body: "" },
  { kind: "junk_body", body: "{", contentType: "application/json" },
  { kind: "junk_body", body: render({ x: new Raw("1e309") }), contentType: "application/json" },
);

/**
 * Every route that reads a body or a path parameter from the caller, with the
 * valid parameter values the fuzz run creates first (a project, a dataset with
 * a snapshot, a stub upstream named `local`).
 */
export const ROUTES: readonly Route[] = [
  { method: "POST", route: "/v1/events", auth: "project", weight: 8, bodies: fc.oneof({ weight: 4, arbitrary: badPayload }, { weight: 1, arbitrary: eventBodies() }) },
  { method: "POST", route: "/v1/otlp/v1/traces", auth: "project", weight: 6, bodies: fc.oneof({ weight: 4, arbitrary: badOtlp }, { weight: 1, arbitrary: otlpBodies() }) },
  { method: "POST", route: "/v1/proxy/{upstream}/chat/completions", auth: "project", params: { upstream: "local" }, weight: 4, bodies: badChat },
  {
    method: "POST",
    route: "/v1/proxy/{upstream}/completions",
    auth: "project",
    params: { upstream: "local" },
    weight: 1,
    bodies: badBodies({ base: { model: "stub", prompt: "hi" }, fields: ["model", "prompt", "stream"], strings: ["prompt"], special: { prompt: [[null], { a: 1 }, ["a", 1]] } }),
  },
  {
    method: "POST",
    route: "/v1/proxy/{upstream}/embeddings",
    auth: "project",
    params: { upstream: "local" },
    weight: 1,
    bodies: badBodies({ base: { model: "stub", input: ["hi"] }, fields: ["model", "input", "input.0"], strings: ["input.0"], special: { input: [[null, 1], {}, "x", []] } }),
  },
  { method: "POST", route: "/v1/feedback", auth: "project", weight: 3, bodies: badBodies(shapes.feedback) },
  { method: "POST", route: "/v1/patterns/search", auth: "project", weight: 3, bodies: badBodies(shapes.search) },
  { method: "PUT", route: "/v1/datasets/{name}", auth: "project", params: { name: "fuzz" }, weight: 3, bodies: badBodies(shapes.dataset) },
  { method: "POST", route: "/v1/datasets/{name}/snapshots", auth: "project", params: { name: "fuzz" }, weight: 1, bodies: fc.oneof(noBody, badBodies(shapes.snapshot)) },
  { method: "POST", route: "/v1/datasets/{name}/rollback", auth: "project", params: { name: "fuzz" }, weight: 2, bodies: badBodies(shapes.rollback) },
  { method: "DELETE", route: "/v1/datasets/{name}/examples/{hash}", auth: "project", params: { name: "fuzz", hash: "0".repeat(64) }, weight: 1, bodies: noBody },
  { method: "POST", route: "/v1/admin/projects/{project}/keys", auth: "admin", params: { project: "fuzz-keys" }, weight: 1, bodies: noBody },
  { method: "DELETE", route: "/v1/admin/keys/{id}", auth: "admin", params: { id: "key_fuzz" }, weight: 1, bodies: noBody },
  ...["relay", "scoring", "patterns", "datasets", "lifecycle"].map((job) => ({
    method: "POST" as const,
    route: `/v1/admin/jobs/${job}/run`,
    auth: "admin" as const,
    weight: 1,
    bodies: badBodies(shapes.job),
  })),
  { method: "POST", route: "/v1/admin/jobs/{name}/run", auth: "admin", params: { name: "relay" }, weight: 1, bodies: noBody },
  { method: "PUT", route: "/v1/admin/projects/{project}/retention", auth: "admin", params: { project: "fuzz" }, weight: 2, bodies: badBodies(shapes.retention) },
  { method: "POST", route: "/v1/admin/archives/restore", auth: "admin", weight: 2, bodies: badBodies(shapes.restore) },
  { method: "DELETE", route: "/v1/admin/dead-letters/{id}", auth: "admin", params: { id: "dl_fuzz" }, weight: 2, bodies: badBodies(shapes.purge) },
  { method: "POST", route: "/v1/admin/dead-letters/{id}/replay", auth: "admin", params: { id: "dl_fuzz" }, weight: 1, bodies: noBody },
  { method: "POST", route: "/v1/admin/scoring/profiles/{name}/versions", auth: "admin", params: { name: "fuzz_profile" }, weight: 2, bodies: badBodies(shapes.profileVersion) },
  { method: "PUT", route: "/v1/admin/scoring/rules", auth: "admin", weight: 2, bodies: badBodies(shapes.rules) },
  { method: "POST", route: "/v1/admin/scoring/profiles/{name}/fit", auth: "admin", params: { name: "default" }, weight: 1, bodies: noBody },
  { method: "POST", route: "/v1/admin/scoring/profiles/{name}/adopt-fit", auth: "admin", params: { name: "default" }, weight: 1, bodies: noBody },
];

function eventBodies(): fc.Arbitrary<BadPayload> {
  return badBodies({
    base: { events: [{ id: "fuzz-generic", type: "t", source: "s", timestamp: "2026-11-23T10:00:00Z", query: "q", attributes: { a: 1 } }] },
    fields: ["events", "events.0", "events.0.id", "events.0.timestamp", "events.0.query", "events.0.attributes", "events.0.latency_ms"],
    strings: ["events.0.id", "events.0.query", "events.0.type"],
  });
}

function otlpBodies(): fc.Arbitrary<BadPayload> {
  return badBodies({
    base: traces([span("0123456789abcdef0123456789abcdef", "0123456789abcdef")]),
    fields: ["resourceSpans", "resourceSpans.0", "resourceSpans.0.scopeSpans", "resourceSpans.0.scopeSpans.0.spans", "resourceSpans.0.scopeSpans.0.spans.0"],
    strings: ["resourceSpans.0.scopeSpans.0.spans.0.name", "resourceSpans.0.scopeSpans.0.spans.0.traceId"],
  });
}

/** The cases for one route: most with valid path parameters, a tenth with a bad one. */
function casesFor(r: Route): fc.Arbitrary<FuzzCase> {
  const names = Object.keys(r.params ?? {});
  const fill = (bad: { name: string; value: string } | null) =>
    r.route.replace(/\{(\w+)\}/g, (_m, name: string) => (bad?.name === name ? bad.value : r.params![name]!));
  const badParam = names.length ? fc.record({ name: fc.constantFrom(...names), value: badSegment }) : fc.constant(null);
  return fc.record({ body: r.bodies, bad: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: badParam }) }).map(({ body, bad }) => ({
    ...body,
    kind: bad ? `bad_path_param:${bad.name}` : body.kind,
    route: `${r.method} ${r.route}`,
    method: r.method,
    path: fill(bad),
    auth: r.auth,
  }));
}

/**
 * Exactly `count` cases over every route, seeded: each route gets at least 3
 * (so a quick run still touches all of them) and the rest by weight,
 * interleaved so the load mixes.
 */
export function fuzzCases(count: number, seed: number): FuzzCase[] {
  const floor = Math.min(3, Math.floor(count / ROUTES.length));
  const spare = count - floor * ROUTES.length;
  const total = ROUTES.reduce((n, r) => n + r.weight, 0);
  const shares = ROUTES.map((r) => (spare * r.weight) / total);
  const counts = shares.map((s) => floor + Math.floor(s));
  // Largest remainders take what rounding down left over.
  const order = shares.map((s, i) => [s - Math.floor(s), i] as const).sort((a, b) => b[0] - a[0]);
  const left = count - counts.reduce((a, b) => a + b, 0);
  for (let k = 0; k < left; k++) counts[order[k]![1]]!++;
  const cases = ROUTES.flatMap((r, i) => (counts[i] ? fc.sample(casesFor(r), { numRuns: counts[i]!, seed: seed + i }) : []));
  let x = seed >>> 0 || 1;
  for (let i = cases.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) >>> 0;
    const j = x % (i + 1);
    [cases[i], cases[j]] = [cases[j]!, cases[i]!];
  }
  return cases;
}

import { fileLabel } from "../../cli/ship/label";
import { legacyEventId } from "../../src/domain/legacy";
import { type Canary, encodings, structured } from "../support/secret-canaries";

/**
 * The traffic of the canary test. Every canary text goes in preceded by a
 * marker naming its place (`cnry/json-query …`), so wherever it turns up
 * (a row, a log line, an export line, an archive) the nearest marker says
 * which entrance and field it came by. Event ids and request ids are labels
 * too (`cnry.<place>.<family>.<n>`), for what carries no marker (paths).
 */
export const mark = (place: string, text: string) => `cnry/${place} ${text}`;

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]+/g, "-");
export const labelOf = (place: string, family: string, n: number) => `cnry.${place}.${slug(family)}.${n}`;

/** Stored ids Gleaner derives itself (OTLP spans, legacy lines), mapped to the label of what they carry. */
export type IdLabels = Map<string, string>;

/** The variants of a canary's text (as is, URL-encoded, JSON in a string, glued to a prefix), once each. */
export function textsOf(c: Canary): string[] {
  return [...new Set(encodings(c))];
}

/** The canary as structured values: under its natural key when it has one, and as `{ password: secret }`. */
export function structuredOf(c: Canary): Record<string, unknown> {
  return { ...(structured(c) ?? {}), password: c.secret };
}

const WORDS =
  "rotate journald disk logrotate nginx cache vacuum index replica backup restore kernel cgroup quota socket proxy certificate renew cron schedule deploy rollback migrate shard queue".split(
    " ",
  );

/**
 * A question no other one asks: the hashing embedder must not see two events
 * as near duplicates, or they would never reach a dataset.
 */
export function question(n: number): string {
  let x = (n + 1) * 2654435761;
  const words: string[] = [];
  for (let i = 0; i < 9; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    words.push(WORDS[x % WORDS.length]!);
  }
  return `How do I ${words.join(" ")} (case ${n})?`;
}

/** What makes an event high value: a success, a +1, enough tokens to count as work. */
const valuable = { outcome: "success", feedback: 1, tokens_in: 300, tokens_out: 300 } as const;
const TIMESTAMP = "2026-11-23T10:00:00Z";
let counter = 0;

function event(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    type: "agent_step_complete",
    source: "canary-agent",
    timestamp: TIMESTAMP,
    query: question(counter++),
    response: "Apply it.",
    ...valuable,
    ...fields,
  };
}

/** One canary text: its family, which variant, the text. */
interface Variant {
  c: Canary;
  i: number;
  t: string;
}

export function variantsOf(canaries: readonly Canary[]): Variant[] {
  return canaries.flatMap((c) => textsOf(c).map((t, i) => ({ c, i, t })));
}

/** `text` when it fits `max` characters, else nothing (the field would refuse the whole event). */
const fits = (text: string, max: number) => (text.length <= max ? text : undefined);

/**
 * v1 events (JSON body): query, response and attributes of one event; tags,
 * type, source, model, session and interaction ids of another (so a field
 * that refuses a value loses only those); structured attributes per family.
 */
export function jsonEvents(canaries: readonly Canary[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const { c, i, t } of variantsOf(canaries)) {
    out.push(
      event(labelOf("json", c.family, i), {
        query: `${question(counter++)} ${mark("json-query", t)}`,
        response: mark("json-response", t),
        attributes: { note: mark("json-attribute", t), nested: { list: [mark("json-attribute-nested", t)] } },
      }),
    );
    const meta = Object.fromEntries(
      (
        [
          ["tags", 100],
          ["type", 100],
          ["source", 100],
          ["model", 200],
          ["session_id", 200],
          ["interaction_id", 200],
        ] as const
      ).flatMap(([field, max]) => {
        const value = fits(mark(`json-${field.replace("_", "-")}`, t), max);
        return value === undefined ? [] : [[field, field === "tags" ? ["canary", value] : value]];
      }),
    );
    if (Object.keys(meta).length) out.push(event(labelOf("json-meta", c.family, i), meta));
  }
  for (const c of canaries) {
    out.push(
      event(labelOf("json-structured", c.family, 0), {
        attributes: { marker: "cnry/json-structured", ...structuredOf(c), request: { marker: "cnry/json-structured-nested", headers: structuredOf(c) } },
      }),
    );
  }
  return out;
}

/** One NDJSON line per canary text. */
export function ndjsonBody(canaries: readonly Canary[]): string {
  return variantsOf(canaries)
    .map(({ c, i, t }) =>
      JSON.stringify(
        event(labelOf("ndjson", c.family, i), { query: `${question(counter++)} ${mark("ndjson-query", t)}`, response: mark("ndjson-response", t) }),
      ),
    )
    .join("\n");
}

/** Events refused for an unknown field: what a refusal logs or keeps must not hold the canary either. */
export function rejectedEvents(canaries: readonly Canary[]): Record<string, unknown>[] {
  return variantsOf(canaries).map(({ c, i, t }) => ({
    ...event(labelOf("rejected", c.family, i), { query: mark("rejected-query", t) }),
    unknown_field: mark("rejected-unknown-field", t),
  }));
}

/** Feedback with the canary in its comment, on the JSON event of the same text. */
export function feedbackComments(canaries: readonly Canary[]): Record<string, unknown>[] {
  return variantsOf(canaries).map(({ c, i, t }) => ({
    event_id: labelOf("json", c.family, i),
    rating: 1,
    comment: `Worked, thanks: ${mark("feedback-comment", t)}`.slice(0, 4000),
  }));
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/**
 * OTLP/JSON GenAI spans. Per text: one with the current conventions
 * (`gen_ai.input.messages` / `gen_ai.output.messages`, another gen_ai.*
 * attribute, an array, a kvlist of the structured form) and one with the
 * older `gen_ai.prompt` / `gen_ai.completion`; for each family's first text,
 * one more whose prompt and completion come only from span events.
 */
export function otlpSpans(canaries: readonly Canary[], ids: IdLabels): unknown[] {
  const spans: unknown[] = [];
  const add = (place: string, c: Canary, i: number, attributes: unknown[], events: unknown[] = []) => {
    const n = spans.length + 1;
    const traceId = hex(n, 32);
    const spanId = hex(n, 16);
    ids.set(`${traceId}:${spanId}`, labelOf(place, c.family, i));
    spans.push({
      traceId,
      spanId,
      name: "chat canary",
      startTimeUnixNano: "1795428000000000000",
      endTimeUnixNano: "1795428000800000000",
      status: { code: 1 },
      attributes: [
        str("gen_ai.operation.name", "chat"),
        str("gen_ai.request.model", "canary-model"),
        { key: "gen_ai.usage.input_tokens", value: { intValue: "300" } },
        { key: "gen_ai.usage.output_tokens", value: { intValue: "300" } },
        ...attributes,
      ],
      events,
    });
  };
  for (const { c, i, t } of variantsOf(canaries)) {
    add("otlp", c, i, [
      str("gen_ai.input.messages", JSON.stringify([{ role: "user", content: `${question(counter++)} ${mark("otlp-input-messages", t)}` }])),
      str("gen_ai.output.messages", JSON.stringify([{ role: "assistant", content: mark("otlp-output-messages", t) }])),
      str("gen_ai.tool.call.arguments", mark("otlp-attribute", t)),
      { key: "gen_ai.request.stop_sequences", value: { arrayValue: { values: [{ stringValue: mark("otlp-array", t) }] } } },
      {
        key: "gen_ai.request.metadata",
        value: {
          kvlistValue: {
            values: [
              str("marker", "cnry/otlp-kvlist"),
              ...Object.entries(structuredOf(c)).map(([k, v]) => str(k, typeof v === "string" ? v : JSON.stringify(v))),
            ],
          },
        },
      },
    ]);
    add("otlp-old", c, i, [str("gen_ai.prompt", `${question(counter++)} ${mark("otlp-prompt", t)}`), str("gen_ai.completion", mark("otlp-completion", t))]);
    if (i === 0) {
      add(
        "otlp-events",
        c,
        i,
        [str("gen_ai.system", "canary")],
        [
          { name: "gen_ai.user.message", attributes: [str("content", `${question(counter++)} ${mark("otlp-span-event-user", t)}`)] },
          { name: "gen_ai.choice", attributes: [str("content", mark("otlp-span-event-choice", t))] },
        ],
      );
    }
  }
  return spans;
}

/** One proxy call: its request id (the event is `proxy:<label>`) and body. */
export interface ProxyCall {
  label: string;
  body: Record<string, unknown>;
}

/**
 * Proxy calls: the canary in the user's message and in the upstream's answer
 * (`answers[n]`, picked by `model: "answer-<n>"`), plain for even variants and
 * streamed for odd ones.
 */
export function proxyCalls(canaries: readonly Canary[], answers: string[]): ProxyCall[] {
  const calls: ProxyCall[] = [];
  for (const { c, i, t } of variantsOf(canaries)) {
    const stream = i % 2 === 1;
    const place = stream ? "proxy-stream" : "proxy";
    answers.push(mark(`${place}-answer`, `Here is how: ${t}`));
    calls.push({
      label: labelOf(place, c.family, i),
      body: {
        model: `answer-${answers.length - 1}`,
        stream,
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: `${question(counter++)} ${mark(`${place}-request`, t)}` },
        ],
      },
    });
  }
  return calls;
}

/**
 * Legacy lines (harness_eval: `passed: true` maps to a success) with the
 * canary in the query, the response, an unmapped field and the structured
 * form. `place` says how they go in: envelopes posted to /v1/events, or a
 * file shipped by `gleaner ship`; `ids` learns the id the server derives for each.
 */
export function legacyLines(canaries: readonly Canary[], place: "legacy-envelope" | "legacy-ship", file: string, ids: IdLabels) {
  const envelopes: Record<string, unknown>[] = [];
  let text = "";
  for (const { c, i, t } of variantsOf(canaries)) {
    const record = {
      event_type: "harness_eval",
      timestamp: "2026-06-01T12:00:00Z",
      passed: true,
      query: `${question(counter++)} ${mark(`${place}-query`, t)}`,
      response: mark(`${place}-response`, t),
      notes: mark(`${place}-field`, t),
      marker: `cnry/${place}-structured`,
      ...structuredOf(c),
    };
    const offset = Buffer.byteLength(text);
    ids.set(legacyEventId(fileLabel(file), offset, record), labelOf(place, c.family, i));
    envelopes.push({ schema_version: "legacy", origin: { file: fileLabel(file), offset }, record });
    text += `${JSON.stringify(record)}\n`;
  }
  return { envelopes, text };
}

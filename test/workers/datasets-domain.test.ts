import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { datasetCard } from "../../src/domain/datasets/card";
import { type ChatExample, type ChatMessage, buildExample, mergeConversations } from "../../src/domain/datasets/example";
import { EXPORT_FORMATS, type ExampleRow, formatExample, formatsFor } from "../../src/domain/datasets/export-formats";
import { checkChatExample, estimateTokens } from "../../src/domain/datasets/format-check";
import { contextKey, MAX_PAIRS_PER_CONTEXT, type RatedAnswer, preferencePairs } from "../../src/domain/datasets/preference";
import { datasetRulesSchema } from "../../src/domain/datasets/rules";
import { splitOf } from "../../src/domain/datasets/split";
import type { StoredEvent, Tool } from "../../src/domain/event-schema";

const WEATHER: Tool = {
  type: "function",
  function: { name: "get_weather", description: "Weather of a city", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

const toolConversation = (): ChatMessage[] => [
  { role: "system", content: "You are a weather bot." },
  { role: "user", content: "Weather in Paris?" },
  { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
  { role: "tool", tool_call_id: "call_1", content: '{"temp":21}' },
  { role: "assistant", content: "It is 21 °C in Paris." },
];

const ok = (example: ChatExample, maxTokens = 10_000) => checkChatExample(example, { maxTokens });
const rulesOf = (e: ChatExample, maxTokens = 10_000) => {
  const r = ok(e, maxTokens);
  return r.ok ? [] : r.errors.map((x) => x.rule);
};

describe("checkChatExample", () => {
  it("accepts a whole conversation with a tool call and its result", () => {
    const r = ok({ messages: toolConversation(), tools: [WEATHER], parallel_tool_calls: false });
    expect(r).toEqual({ ok: true, tokens: expect.any(Number) });
  });

  it("role: rejects roles OpenAI's fine-tuning does not accept", () => {
    expect(
      rulesOf({
        messages: [
          { role: "developer", content: "x" },
          { role: "user", content: "q" },
          { role: "assistant", content: "a" },
        ],
      }),
    ).toEqual(["role"]);
    expect(
      rulesOf({
        messages: [
          { role: "system", content: "x" },
          { role: "user", content: "q" },
          { role: "assistant", content: "a" },
        ],
      }),
    ).toEqual([]);
  });

  it("no_assistant / last_not_assistant", () => {
    expect(rulesOf({ messages: [{ role: "user", content: "q" }] })).toEqual(["no_assistant"]);
    expect(rulesOf({ messages: [] })).toEqual(["no_assistant"]);
    expect(
      rulesOf({
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: "a" },
          { role: "user", content: "q2" },
        ],
      }),
    ).toEqual(["last_not_assistant"]);
    expect(
      rulesOf({
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: "a" },
        ],
      }),
    ).toEqual([]);
  });

  it("content_missing: system, user, tool and plain assistant messages need content", () => {
    expect(
      rulesOf({
        messages: [
          { role: "system", content: "" },
          { role: "user", content: "q" },
          { role: "assistant", content: "a" },
        ],
      }),
    ).toEqual(["content_missing"]);
    expect(
      rulesOf({
        messages: [
          { role: "user", content: null },
          { role: "assistant", content: "a" },
        ],
      }),
    ).toEqual(["content_missing"]);
    expect(
      rulesOf({
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: "  " },
        ],
      }),
    ).toEqual(["content_missing"]);
    const emptyTool = toolConversation();
    emptyTool[3] = { role: "tool", tool_call_id: "call_1", content: "" };
    expect(rulesOf({ messages: emptyTool })).toEqual(["content_missing"]);
    // an assistant with tool calls needs no content; content parts count as content
    expect(
      rulesOf({
        messages: [
          { role: "user", content: [{ type: "text", text: "q" }] },
          { role: "assistant", content: "a" },
        ],
      }),
    ).toEqual([]);
  });

  it("arguments_not_json: tool call arguments are a JSON object", () => {
    for (const bad of ["{not json", "[1,2]", '"text"']) {
      const m = toolConversation();
      m[2] = { role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: bad } }] };
      expect(rulesOf({ messages: m })).toEqual(["arguments_not_json"]);
    }
  });

  it("tool_call_unanswered: every call is answered before the next assistant message", () => {
    const m = toolConversation();
    m.splice(3, 1);
    expect(rulesOf({ messages: m })).toEqual(["tool_call_unanswered"]);
    const two = toolConversation();
    two[2] = {
      role: "assistant",
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        { id: "call_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
      ],
    };
    expect(rulesOf({ messages: two })).toEqual(["tool_call_unanswered"]);
    two.splice(4, 0, { role: "tool", tool_call_id: "call_2", content: '{"temp":25}' });
    expect(rulesOf({ messages: two })).toEqual([]);
  });

  it("the final assistant message may be a tool call (an example may teach a call)", () => {
    expect(rulesOf({ messages: toolConversation().slice(0, 3), tools: [WEATHER] })).toEqual([]);
  });

  it("tool_message_orphan: every tool message answers a pending call", () => {
    const m = toolConversation();
    m[3] = { role: "tool", tool_call_id: "call_9", content: "x" };
    expect(rulesOf({ messages: m })).toEqual(["tool_message_orphan", "tool_call_unanswered"]);
    const noId = toolConversation();
    noId.splice(4, 0, { role: "tool", content: "again" });
    expect(rulesOf({ messages: noId })).toEqual(["tool_message_orphan"]);
    const twice = toolConversation();
    twice.splice(4, 0, { role: "tool", tool_call_id: "call_1", content: "again" });
    expect(rulesOf({ messages: twice })).toEqual(["tool_message_orphan"]);
  });

  it("tool_call_id: ids are unique within a message", () => {
    const m = toolConversation();
    m[2] = {
      role: "assistant",
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } },
        { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } },
      ],
    };
    expect(rulesOf({ messages: m })).toEqual(["tool_call_id"]);
  });

  it("tool_definition: tools are well formed", () => {
    const base = toolConversation();
    expect(rulesOf({ messages: base, tools: [WEATHER] })).toEqual([]);
    const bad = (tool: unknown) => rulesOf({ messages: base, tools: [tool as Tool] });
    expect(bad({ type: "retrieval", function: { name: "x" } })).toEqual(["tool_definition"]);
    expect(bad({ type: "function", function: { name: "has space" } })).toEqual(["tool_definition"]);
    expect(bad({ type: "function", function: { name: "x".repeat(65) } })).toEqual(["tool_definition"]);
    expect(bad({ type: "function", function: { name: "ok", parameters: [] } })).toEqual(["tool_definition"]);
    expect(bad({ type: "function", function: { name: "ok", description: 3 } })).toEqual(["tool_definition"]);
    expect(rulesOf({ messages: base, tools: [WEATHER, WEATHER] })).toEqual(["tool_definition"]);
    expect(bad({ type: "function", function: { name: "a-b_C9" } })).toEqual([]);
  });

  it("too_many_tokens: the estimate is at most the maximum", () => {
    const e: ChatExample = {
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: "a".repeat(400) },
      ],
    };
    const tokens = estimateTokens(e);
    expect(tokens).toBe(3 + (4 + 1) + (4 + 100));
    expect(ok(e, tokens)).toEqual({ ok: true, tokens });
    const r = ok(e, tokens - 1);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.rule).toBe("too_many_tokens");
  });

  it("estimateTokens counts tool calls and tool schemas", () => {
    const plain = estimateTokens({ messages: toolConversation() });
    expect(estimateTokens({ messages: toolConversation(), tools: [WEATHER] })).toBe(plain + Math.ceil(JSON.stringify([WEATHER]).length / 4));
  });
});

let n = 0;
const ev = (extra: Partial<StoredEvent> = {}): StoredEvent => ({
  schema_version: 2,
  id: `e${++n}`,
  type: "llm_call",
  source: "proxy",
  timestamp: "2026-01-01T00:00:00Z",
  outcome: "success",
  ...extra,
});
const SCORE = { value: 0.9, confidence: 0.9, profile: "default", non_answer: false };
const RULES = datasetRulesSchema.parse({});

describe("datasetRulesSchema", () => {
  it("defaults the v2 fields", () => {
    expect(RULES).toMatchObject({
      unit: "event",
      validation_ratio: 0.1,
      max_tokens: 32768,
      redacted: "exclude",
      license: "other",
      preference_pairs: true,
      min_value: 0.7,
    });
    expect(() => datasetRulesSchema.parse({ validation_ratio: 0.6 })).toThrow();
    expect(() => datasetRulesSchema.parse({ max_tokens: 8 })).toThrow();
  });
});

describe("buildExample", () => {
  it("keeps the whole conversation with its tools and parallel_tool_calls", () => {
    const d = buildExample([ev({ messages: toolConversation(), tools: [WEATHER], attributes: { parallel_tool_calls: false }, model: "gpt-x" })], SCORE, RULES);
    expect("example" in d).toBe(true);
    if (!("example" in d)) return;
    expect(d.example).toEqual({ messages: toolConversation(), tools: [WEATHER], parallel_tool_calls: false });
    expect(d.meta).toEqual({ first_user: "Weather in Paris?", source: "proxy", model: "gpt-x", source_event_ids: [expect.any(String)] });
  });

  it("prepends the rules' system prompt only when the conversation has none", () => {
    const d = buildExample([ev({ query: "Hi?", response: "Hello." })], SCORE, RULES);
    expect("example" in d && d.example.messages).toEqual([
      { role: "system", content: RULES.system_prompt },
      { role: "user", content: "Hi?" },
      { role: "assistant", content: "Hello." },
    ]);
    const dev = buildExample(
      [
        ev({
          messages: [
            { role: "developer", content: "Be brief." },
            { role: "user", content: "Hi?" },
            { role: "assistant", content: "Hello." },
          ],
        }),
      ],
      SCORE,
      RULES,
    );
    expect("example" in dev && dev.example.messages[0]).toEqual({ role: "system", content: "Be brief." });
    expect("example" in dev && dev.example.messages).toHaveLength(3);
  });

  it("merges a session: each call's repeated history is added once", () => {
    const conv = toolConversation();
    const first = ev({ messages: conv.slice(0, 3), tools: [WEATHER], session_id: "s" });
    const second = ev({ messages: conv, tools: [WEATHER], session_id: "s" });
    const third = ev({
      messages: [...conv, { role: "user", content: "And tomorrow?" }, { role: "assistant", content: "Rain." }],
      session_id: "s",
      model: "m2",
    });
    const d = buildExample([first, second, third], SCORE, { ...RULES, unit: "session" });
    expect("example" in d).toBe(true);
    if (!("example" in d)) return;
    expect(d.example.messages).toEqual([...conv, { role: "user", content: "And tomorrow?" }, { role: "assistant", content: "Rain." }]);
    expect(d.example.tools).toEqual([WEATHER]);
    expect(d.meta.source_event_ids).toEqual([first.id, second.id, third.id]);
    expect(d.meta.model).toBe("m2");
  });

  it("merges events without history by appending their turns", () => {
    const merged = mergeConversations([
      [
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
      ],
      [
        { role: "user", content: "c" },
        { role: "assistant", content: "d" },
      ],
    ]);
    expect(merged.map((m) => m.content)).toEqual(["a", "b", "c", "d"]);
  });

  it("judges a session by its last event's outcome", () => {
    const d = buildExample([ev({ query: "q", response: "a" }), ev({ query: "q2", response: "a2", outcome: "failure" })], SCORE, { ...RULES, unit: "session" });
    expect(d).toEqual({ skip: "outcome failure not selected" });
  });

  it("skips non-answers, low value and low confidence", () => {
    expect(buildExample([ev({ query: "q", response: "a" })], { ...SCORE, non_answer: true }, RULES)).toEqual({ skip: "the answer is a non-answer" });
    expect(buildExample([ev({ query: "q", response: "a" })], { ...SCORE, value: 0.1 }, RULES)).toEqual({ skip: "value below the minimum" });
    expect(buildExample([ev({ query: "q", response: "a" })], { ...SCORE, confidence: 0.1 }, RULES)).toEqual({ skip: "confidence below the minimum" });
  });

  it("redacted text: excluded by default, kept with keep_placeholders", () => {
    const e = ev({
      messages: [
        { role: "user", content: "Mail [REDACTED:email] now" },
        { role: "assistant", content: "Done." },
      ],
    });
    expect(buildExample([e], SCORE, RULES)).toEqual({ skip: "text was hashed or redacted" });
    const kept = buildExample([e], SCORE, { ...RULES, redacted: "keep_placeholders" });
    expect("example" in kept && kept.example.messages[1]?.content).toBe("Mail [REDACTED:email] now");
    const hashed = ev({ query: `sha256:${"a".repeat(64)}`, response: "ok" });
    expect(buildExample([hashed], SCORE, RULES)).toEqual({ skip: "text was hashed or redacted" });
  });

  it("skips a conversation that does not end with an assistant answer", () => {
    const e = ev({ messages: toolConversation().slice(0, 4) });
    expect(buildExample([e], SCORE, RULES)).toEqual({ skip: "does not end with an assistant answer" });
    expect(buildExample([ev({ query: "only a question" })], SCORE, RULES)).toEqual({ skip: "does not end with an assistant answer" });
  });

  it("skips an example over the token limit, and one failing the checker", () => {
    const big = buildExample([ev({ query: "q", response: "x".repeat(1000) })], SCORE, { ...RULES, max_tokens: 100 });
    expect("skip" in big && big.skip).toMatch(/^too many tokens/);
    const bad = toolConversation();
    bad[2] = { role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{oops" } }] };
    const d = buildExample([ev({ messages: bad })], SCORE, RULES);
    expect("skip" in d && d.skip).toMatch(/^format: arguments_not_json at messages\[2\]\.tool_calls\[0\]\.function\.arguments/);
  });
});

describe("splitOf", () => {
  const randomHash = () => [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");

  it("is deterministic and follows the first 32 bits", () => {
    const h = randomHash();
    expect(splitOf(h, 0.3)).toBe(splitOf(h, 0.3));
    expect(splitOf(`00000000${"f".repeat(56)}`, 0.1)).toBe("validation");
    expect(splitOf(`ffffffff${"0".repeat(56)}`, 0.5)).toBe("train");
    expect(splitOf(`19999999${"0".repeat(56)}`, 0.1)).toBe("validation");
    expect(splitOf(`1a000000${"0".repeat(56)}`, 0.1)).toBe("train");
  });

  it("respects the ratio over 10k random hashes", () => {
    const hashes = Array.from({ length: 10_000 }, randomHash);
    for (const ratio of [0.1, 0.25, 0.5]) {
      const validation = hashes.filter((h) => splitOf(h, ratio) === "validation").length / hashes.length;
      expect(Math.abs(validation - ratio)).toBeLessThan(0.02);
    }
    expect(hashes.every((h) => splitOf(h, 0) === "train")).toBe(true);
  });
});

describe("preferencePairs", () => {
  const context: ChatMessage[] = [{ role: "user", content: "Capital of France?" }];
  const answer = (event_id: string, content: string, rating: RatedAnswer["rating"], extra: Partial<RatedAnswer> = {}): RatedAnswer => ({
    event_id,
    context,
    answer: { role: "assistant", content },
    rating,
    ...extra,
  });

  it("pairs a +1 and a −1 answer to the same context", () => {
    const pairs = preferencePairs([answer("a", "Paris.", 1), answer("b", "Lyon.", -1), answer("c", "Nice.", 0)]);
    expect(pairs).toEqual([
      {
        input: { messages: context },
        preferred_output: [{ role: "assistant", content: "Paris." }],
        non_preferred_output: [{ role: "assistant", content: "Lyon." }],
        source_event_ids: ["a", "b"],
      },
    ]);
  });

  it("does not pair answers to different contexts or tools", () => {
    const other: ChatMessage[] = [{ role: "user", content: "Capital of Italy?" }];
    expect(preferencePairs([answer("a", "Paris.", 1), answer("b", "Lyon.", -1, { context: other })])).toEqual([]);
    expect(preferencePairs([answer("a", "Paris.", 1), answer("b", "Lyon.", -1, { tools: [WEATHER] })])).toEqual([]);
    expect(contextKey(context)).toBe(contextKey(context, []));
    expect(contextKey(context, [WEATHER])).not.toBe(contextKey(context));
  });

  it("pairs a correction (text or message) over the answer", () => {
    const pairs = preferencePairs([answer("a", "Lyon.", -1, { correction: "Paris." })]);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]?.preferred_output).toEqual([{ role: "assistant", content: "Paris." }]);
    expect(pairs[0]?.non_preferred_output).toEqual([{ role: "assistant", content: "Lyon." }]);
    const msg = preferencePairs([answer("a", "Lyon.", null, { correction: { role: "assistant", content: "Paris!" } })]);
    expect(msg[0]?.preferred_output).toEqual([{ role: "assistant", content: "Paris!" }]);
  });

  it("never pairs identical answers, and deduplicates equal pairs", () => {
    expect(preferencePairs([answer("a", "Paris.", 1), answer("b", "Paris.", -1)])).toEqual([]);
    expect(preferencePairs([answer("a", "Paris.", 1, { correction: "Paris." })])).toEqual([]);
    const dup = preferencePairs([answer("a", "Paris.", 1), answer("b", "Lyon.", -1), answer("c", "Lyon.", -1)]);
    expect(dup).toHaveLength(1);
    expect(dup[0]?.source_event_ids).toEqual(["a", "b", "c"]);
  });

  it("caps the pairs per context and is deterministic", () => {
    const many = [
      ...Array.from({ length: 5 }, (_, i) => answer(`g${i}`, `good ${i}`, 1)),
      ...Array.from({ length: 5 }, (_, i) => answer(`b${i}`, `bad ${i}`, -1)),
    ];
    const pairs = preferencePairs(many);
    expect(pairs).toHaveLength(MAX_PAIRS_PER_CONTEXT);
    expect(preferencePairs([...many].reverse())).toEqual(pairs);
  });
});

describe("formatExample", () => {
  const meta = { dataset: "default", version: 3 };
  const chat: ChatExample = { messages: toolConversation(), tools: [WEATHER] };
  const chatRow: ExampleRow = { line: JSON.stringify(chat), content_hash: "h".repeat(64), event_id: "e1", kind: "chat", split: "train" };
  const [pair] = preferencePairs([
    {
      event_id: "p1",
      context: [{ role: "user", content: "Capital?" }],
      tools: [WEATHER],
      answer: { role: "assistant", content: "Lyon." },
      rating: -1,
      correction: "Paris.",
    },
  ]);
  const { source_event_ids: _ids, ...storedPair } = pair ?? { source_event_ids: [] };
  const pairRow: ExampleRow = { line: JSON.stringify(storedPair), content_hash: "p".repeat(64), event_id: "p1", kind: "pair", split: "validation" };

  it("lists formats per kind", () => {
    expect(formatsFor("chat")).toEqual(["openai-chat", "sharegpt", "retrieval"]);
    expect(formatsFor("pair")).toEqual(["openai-preference", "trl-preference"]);
    expect([...formatsFor("chat"), ...formatsFor("pair")].sort()).toEqual([...EXPORT_FORMATS].sort());
  });

  it("gives undefined when the format does not apply to the row's kind", () => {
    for (const f of formatsFor("pair")) expect(formatExample(chatRow, f, meta)).toBeUndefined();
    for (const f of formatsFor("chat")) expect(formatExample(pairRow, f, meta)).toBeUndefined();
  });

  it("openai-chat: the line as stored", () => {
    expect(formatExample(chatRow, "openai-chat", meta)).toBe(chatRow.line);
  });

  it("sharegpt: LLaMA-Factory's shape with function_call and observation turns", () => {
    const line = formatExample(chatRow, "sharegpt", meta);
    expect(JSON.parse(line ?? "null")).toEqual({
      conversations: [
        { from: "human", value: "Weather in Paris?" },
        { from: "function_call", value: JSON.stringify({ name: "get_weather", arguments: { city: "Paris" } }) },
        { from: "observation", value: '{"temp":21}' },
        { from: "gpt", value: "It is 21 °C in Paris." },
      ],
      system: "You are a weather bot.",
      tools: JSON.stringify([WEATHER.function]),
    });
  });

  it("sharegpt: several calls become one function_call array and one observation", () => {
    const messages: ChatMessage[] = [
      { role: "user", content: "Paris and Rome?" },
      {
        role: "assistant",
        tool_calls: [
          { id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "c2", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "21" },
      { role: "tool", tool_call_id: "c2", content: "25" },
      { role: "assistant", content: "21 and 25." },
    ];
    const out = JSON.parse(formatExample({ ...chatRow, line: JSON.stringify({ messages }) }, "sharegpt", meta) ?? "null");
    expect(out.conversations[1]).toEqual({
      from: "function_call",
      value: JSON.stringify([
        { name: "get_weather", arguments: { city: "Paris" } },
        { name: "get_weather", arguments: { city: "Rome" } },
      ]),
    });
    expect(out.conversations[2]).toEqual({ from: "observation", value: JSON.stringify(["21", "25"]) });
    expect(out.system).toBeUndefined();
    expect(out.tools).toBeUndefined();
    // a conversation starting with the assistant cannot be written as ShareGPT
    expect(formatExample({ ...chatRow, line: JSON.stringify({ messages: [{ role: "assistant", content: "hi" }] }) }, "sharegpt", meta)).toBeUndefined();
  });

  it("retrieval: the first user text and the final answer", () => {
    const out = JSON.parse(formatExample(chatRow, "retrieval", meta) ?? "null");
    expect(out).toEqual({
      id: chatRow.content_hash,
      text: "Weather in Paris?\n\nIt is 21 °C in Paris.",
      metadata: { question: "Weather in Paris?", dataset: "default", version: 3, source_event_id: "e1", content_hash: chatRow.content_hash, split: "train" },
    });
  });

  it("openai-preference: input, preferred_output, non_preferred_output", () => {
    expect(JSON.parse(formatExample(pairRow, "openai-preference", meta) ?? "null")).toEqual({
      input: { messages: [{ role: "user", content: "Capital?" }], tools: [WEATHER] },
      preferred_output: [{ role: "assistant", content: "Paris." }],
      non_preferred_output: [{ role: "assistant", content: "Lyon." }],
    });
  });

  it("trl-preference: prompt, chosen, rejected", () => {
    expect(JSON.parse(formatExample(pairRow, "trl-preference", meta) ?? "null")).toEqual({
      prompt: [{ role: "user", content: "Capital?" }],
      chosen: [{ role: "assistant", content: "Paris." }],
      rejected: [{ role: "assistant", content: "Lyon." }],
      tools: [WEATHER],
    });
  });
});

describe("datasetCard", () => {
  const input = {
    name: "default",
    project: "acme",
    version: 3,
    sha256: "f".repeat(64),
    created_at: "2026-01-02T03:04:05.000Z",
    rules: { ...RULES, license: "cc-by-4.0", system_prompt: 'Say "hi": then --- stop' },
    counts: { train: 9, validation: 1, pairs_train: 2, pairs_validation: 0 },
    score_policy: [{ profile: "default", version: 4 }],
    redactions: { email: 3, "api_key:openai": 1 },
    excluded_redacted: 2,
    base_url_path: "/v1/datasets/default/snapshots/3",
  };

  it("has YAML front matter that parses, with license and configs", () => {
    const card = datasetCard(input);
    expect(card.startsWith("---\n")).toBe(true);
    const end = card.indexOf("\n---\n", 4);
    const front = parse(card.slice(4, end));
    expect(front.license).toBe("cc-by-4.0");
    expect(front.pretty_name).toBe("acme/default v3");
    expect(front.tags).toContain("gleaner");
    expect(front.configs.map((c: { config_name: string }) => c.config_name)).toEqual([
      "openai-chat",
      "openai-preference",
      "trl-preference",
      "sharegpt",
      "retrieval",
    ]);
    expect(front.configs[0]).toEqual({
      config_name: "openai-chat",
      default: true,
      data_files: [
        { split: "train", path: "/v1/datasets/default/snapshots/3.jsonl?format=openai-chat&split=train" },
        { split: "validation", path: "/v1/datasets/default/snapshots/3.jsonl?format=openai-chat&split=validation" },
      ],
    });
    // pairs have no validation rows: only the train split is listed
    expect(front.configs[1].data_files).toEqual([{ split: "train", path: "/v1/datasets/default/snapshots/3.jsonl?format=openai-preference&split=train" }]);
  });

  it("states the counts, rules, score policy, redactions and sha256", () => {
    const card = datasetCard(input);
    expect(card).toContain("| chat examples | 9 | 1 |");
    expect(card).toContain("| preference pairs | 2 | 0 |");
    expect(card).toContain('"validation_ratio": 0.1');
    expect(card).toContain("`default` version 4");
    expect(card).toContain("| `email` | 3 |");
    expect(card).toContain("hashed or redacted: 2");
    expect(card).toContain("f".repeat(64));
  });

  it("lists no config for formats without rows", () => {
    const card = datasetCard({ ...input, counts: { train: 0, validation: 0, pairs_train: 0, pairs_validation: 0 } });
    const front = parse(card.slice(4, card.indexOf("\n---\n", 4)));
    expect(front.configs).toBeUndefined();
    expect(front.license).toBe("cc-by-4.0");
  });
});

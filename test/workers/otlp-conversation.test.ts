import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, getEvent } from "./helpers";
import { attr } from "./otlp-json";

let key: string;

beforeAll(async () => {
  key = (await createKey("otlp-conversation")).key;
});

const post = (spans: unknown[]) =>
  call("/v1/otlp/v1/traces", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [attr("service.name", "weather-agent")] }, scopeSpans: [{ spans }] }] }),
  });

const read = async (id: string) => {
  const res = await getEvent(key, id);
  expect(res.status).toBe(200);
  return (await res.json<{ event: Record<string, any> }>()).event;
};

const span = (traceId: string, spanId: string, extra: Record<string, unknown>) => ({
  traceId,
  spanId,
  parentSpanId: "1111111111111111",
  name: "chat gpt-4o",
  startTimeUnixNano: "1767225600000000000",
  endTimeUnixNano: "1767225601000000000",
  status: { code: 1 },
  ...extra,
});

// semconv 1.37: a system instruction, a user turn, an assistant tool call, the tool's answer, and the final answer with reasoning.
const SYSTEM_INSTRUCTIONS = [{ type: "text", content: "You are a weather bot." }];
const INPUT = [
  { role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] },
  { role: "assistant", parts: [{ type: "tool_call", id: "call_w1", name: "get_weather", arguments: { city: "Paris" } }] },
  { role: "tool", parts: [{ type: "tool_call_response", id: "call_w1", response: { temp_f: 57, sky: "rain" } }] },
];
const OUTPUT = [
  {
    role: "assistant",
    parts: [
      { type: "reasoning", content: "The tool says rain." },
      { type: "text", content: "Rainy, 57°F." },
    ],
    finish_reason: "stop",
  },
];
const TOOL_DEFS = [
  {
    type: "function",
    name: "get_weather",
    description: "Current weather of a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
];

const EXPECTED_MESSAGES = [
  { role: "system", content: "You are a weather bot." },
  { role: "user", content: "Weather in Paris?" },
  { role: "assistant", tool_calls: [{ id: "call_w1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
  { role: "tool", tool_call_id: "call_w1", content: '{"temp_f":57,"sky":"rain"}' },
  {
    role: "assistant",
    content: [
      { type: "reasoning", text: "The tool says rain." },
      { type: "text", text: "Rainy, 57°F." },
    ],
  },
];
const EXPECTED_TOOLS = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Current weather of a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  },
];

const common = [attr("gen_ai.operation.name", "chat"), attr("gen_ai.provider.name", "openai"), attr("gen_ai.request.model", "gpt-4o")];

describe("OTLP GenAI spans as whole conversations (event schema v2)", () => {
  it("reads semconv 1.37 JSON-string attributes: system instructions, tool call and response, tool definitions", async () => {
    const trace = "0af7651916cd43dd8448eb211c80319c";
    const res = await post([
      span(trace, "b7ad6b7169203331", {
        attributes: [
          ...common,
          attr("gen_ai.system_instructions", JSON.stringify(SYSTEM_INSTRUCTIONS)),
          attr("gen_ai.input.messages", JSON.stringify(INPUT)),
          attr("gen_ai.output.messages", JSON.stringify(OUTPUT)),
          attr("gen_ai.tool.definitions", JSON.stringify(TOOL_DEFS)),
        ],
      }),
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: 0 });

    const event = await read(`${trace}:b7ad6b7169203331`);
    expect(event.messages).toEqual(EXPECTED_MESSAGES);
    expect(event.tools).toEqual(EXPECTED_TOOLS);
    expect(event).toMatchObject({
      trace_id: trace,
      span_id: "b7ad6b7169203331",
      parent_id: "1111111111111111",
      session_id: trace,
      query: "Weather in Paris?",
      response: "Rainy, 57°F.",
      model: "gpt-4o",
    });
    expect(event.attributes["gen_ai.response.finish_reasons"]).toEqual(["stop"]);
    expect(event.attributes["gen_ai.system_instructions"]).toBeUndefined();
    expect(event.attributes["gen_ai.tool.definitions"]).toBeUndefined();
  });

  it("reads the same conversation as structured kvlist values on the operation-details event", async () => {
    const trace = "1af7651916cd43dd8448eb211c80319c";
    const res = await post([
      span(trace, "c7ad6b7169203332", {
        attributes: [...common, attr("gen_ai.conversation.id", "conv_42")],
        events: [
          {
            name: "gen_ai.client.inference.operation.details",
            timeUnixNano: "1767225601000000000",
            attributes: [
              attr("gen_ai.system_instructions", SYSTEM_INSTRUCTIONS),
              attr("gen_ai.input.messages", INPUT),
              attr("gen_ai.output.messages", OUTPUT),
              attr("gen_ai.tool.definitions", TOOL_DEFS),
            ],
          },
        ],
      }),
    ]);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: 0 });

    const event = await read(`${trace}:c7ad6b7169203332`);
    expect(event.messages).toEqual(EXPECTED_MESSAGES);
    expect(event.tools).toEqual(EXPECTED_TOOLS);
    // The producer's conversation id wins over the trace id.
    expect(event).toMatchObject({ trace_id: trace, span_id: "c7ad6b7169203332", parent_id: "1111111111111111", session_id: "conv_42" });
  });

  it("reads semconv 1.28 message events in event order", async () => {
    const trace = "2af7651916cd43dd8448eb211c80319c";
    const ev = (name: string, attributes: ReturnType<typeof attr>[]) => ({ name, timeUnixNano: "1767225600500000000", attributes });
    const res = await post([
      span(trace, "d7ad6b7169203333", {
        attributes: [attr("gen_ai.system", "openai"), attr("gen_ai.request.model", "gpt-4o")],
        events: [
          ev("gen_ai.system.message", [attr("gen_ai.system", "openai"), attr("content", "You are a weather bot.")]),
          ev("gen_ai.user.message", [attr("content", "Weather in Paris?")]),
          ev("gen_ai.assistant.message", [
            attr("tool_calls", [{ id: "call_w1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]),
          ]),
          ev("gen_ai.tool.message", [attr("id", "call_w1"), attr("content", '{"temp_f":57,"sky":"rain"}')]),
          ev("gen_ai.choice", [attr("index", 0), attr("finish_reason", "stop"), attr("message", { role: "assistant", content: "Rainy, 57°F." })]),
          ev("gen_ai.choice", [attr("index", 1), attr("finish_reason", "stop"), attr("message", { content: "An alternative." })]),
        ],
      }),
    ]);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: 0 });

    const event = await read(`${trace}:d7ad6b7169203333`);
    expect(event.messages).toEqual([
      { role: "system", content: "You are a weather bot." },
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", tool_calls: [{ id: "call_w1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "call_w1", content: '{"temp_f":57,"sky":"rain"}' },
      { role: "assistant", content: "Rainy, 57°F." },
    ]);
    expect(event.tools).toBeUndefined();
    expect(event).toMatchObject({ trace_id: trace, span_id: "d7ad6b7169203333", parent_id: "1111111111111111", session_id: trace });
    expect(event).toMatchObject({ query: "Weather in Paris?", response: "Rainy, 57°F." });
  });

  it("reads ≤1.27 prompt/completion events as a user and an assistant message", async () => {
    const trace = "3af7651916cd43dd8448eb211c80319c";
    const res = await post([
      span(trace, "e7ad6b7169203334", {
        parentSpanId: "",
        attributes: [attr("gen_ai.system", "openai")],
        events: [
          { name: "gen_ai.content.prompt", attributes: [attr("gen_ai.prompt", "Say hi")] },
          { name: "gen_ai.content.completion", attributes: [attr("gen_ai.completion", "Hi!")] },
        ],
      }),
    ]);
    expect(await res.json()).toMatchObject({ accepted: 1 });
    const event = await read(`${trace}:e7ad6b7169203334`);
    expect(event.messages).toEqual([
      { role: "user", content: "Say hi" },
      { role: "assistant", content: "Hi!" },
    ]);
    expect(event.parent_id).toBeUndefined();
  });

  it("skips malformed messages and tools instead of failing the span, and never answers 5xx", async () => {
    const trace = "4af7651916cd43dd8448eb211c80319c";
    const res = await post([
      span(trace, "f7ad6b7169203335", {
        attributes: [
          ...common,
          attr(
            "gen_ai.input.messages",
            JSON.stringify([
              { role: "wizard", parts: [{ type: "text", content: "abracadabra" }] },
              "junk",
              null,
              { role: "user", parts: [{ type: "text", content: "hi" }, { nottype: 1 }, { type: "tool_call" }, 7] },
              { role: "assistant", parts: [{ type: "tool_call", name: "lookup", arguments: "{" }] },
              { role: "user", parts: "not a list" },
            ]),
          ),
          attr("gen_ai.output.messages", "not json {"),
          attr("gen_ai.tool.definitions", JSON.stringify([{ type: "function" }, { name: "ok", parameters: "nope" }, 3])),
          attr("gen_ai.system_instructions", JSON.stringify({ unexpected: true })),
        ],
      }),
      span(trace, "a7ad6b7169203336", { attributes: [...common, attr("gen_ai.input.messages", "42"), attr("gen_ai.tool.definitions", "{")] }),
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 2, rejected: 0 });

    const event = await read(`${trace}:f7ad6b7169203335`);
    expect(event.messages).toEqual([
      { role: "user", content: "hi" },
      { role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "{" } }] },
      { role: "assistant", content: "not json {" },
    ]);
    expect(event.tools).toEqual([{ type: "function", function: { name: "ok" } }]);

    const empty = await read(`${trace}:a7ad6b7169203336`);
    expect(empty.messages).toBeUndefined();
    expect(empty.tools).toBeUndefined();
    expect(empty.session_id).toBe(trace);
  });
});

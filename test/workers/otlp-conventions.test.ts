import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, getEvent } from "./helpers";
import { attr } from "./otlp-json";

// One span per instrumentation, written by hand in the OTLP/JSON encoding after
// each project's documented attribute names (src/domain/otlp-conventions.ts).

let key: string;

beforeAll(async () => {
  key = (await createKey("otlp-conventions")).key;
});

const attrs = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => attr(k, v));

const post = async (spans: unknown[]) => {
  const res = await call("/v1/otlp/v1/traces", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [attr("service.name", "weather-agent")] }, scopeSpans: [{ spans }] }] }),
  });
  expect(res.status).toBe(200);
  return res.json<Record<string, unknown>>();
};

const read = async (id: string) => {
  const res = await getEvent(key, id);
  expect(res.status).toBe(200);
  return (await res.json<{ event: Record<string, any> }>()).event;
};

const span = (traceId: string, spanId: string, attributes: unknown[]) => ({
  traceId,
  spanId,
  parentSpanId: "1111111111111111",
  name: "llm",
  startTimeUnixNano: "1767225600000000000",
  endTimeUnixNano: "1767225601000000000",
  status: { code: 1 },
  attributes,
});

const PARAMS = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
const WEATHER_TOOL = { type: "function", function: { name: "get_weather", description: "Current weather of a city", parameters: PARAMS } };
const call1 = { id: "call_w1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };
const call2 = { id: "call_w2", type: "function", function: { name: "get_weather", arguments: '{"city":"Lyon"}' } };

/** The conversation every span below tells, as v2 messages. */
const EXPECTED = [
  { role: "system", content: "You are a weather bot." },
  { role: "user", content: "Weather in Paris?" },
  { role: "assistant", tool_calls: [call1] },
  { role: "tool", tool_call_id: "call_w1", content: '{"temp_f":57,"sky":"rain"}' },
  { role: "user", content: "And Lyon?" },
  { role: "assistant", content: "Let me check.", tool_calls: [call2] },
];

describe("OTLP spans of other instrumentations as v2 conversations", () => {
  it("reads OpenLLMetry's flattened gen_ai.prompt.{i} / gen_ai.completion.{i} and llm.request.functions", async () => {
    const trace = "4bf7651916cd43dd8448eb211c80319c";
    const body = await post([
      span(
        trace,
        "a1ad6b7169203331",
        attrs({
          "gen_ai.system": "openai",
          "gen_ai.request.model": "gpt-4o",
          "llm.request.type": "chat",
          "gen_ai.prompt.0.role": "system",
          "gen_ai.prompt.0.content": "You are a weather bot.",
          "gen_ai.prompt.1.role": "user",
          "gen_ai.prompt.1.content": "Weather in Paris?",
          "gen_ai.prompt.2.role": "assistant",
          "gen_ai.prompt.2.tool_calls.0.id": "call_w1",
          "gen_ai.prompt.2.tool_calls.0.name": "get_weather",
          "gen_ai.prompt.2.tool_calls.0.arguments": '{"city":"Paris"}',
          "gen_ai.prompt.3.role": "tool",
          "gen_ai.prompt.3.content": '{"temp_f":57,"sky":"rain"}',
          "gen_ai.prompt.3.tool_call_id": "call_w1",
          "gen_ai.prompt.4.role": "user",
          "gen_ai.prompt.4.content": "And Lyon?",
          "gen_ai.completion.0.role": "assistant",
          "gen_ai.completion.0.content": "Let me check.",
          "gen_ai.completion.0.finish_reason": "tool_calls",
          "gen_ai.completion.0.tool_calls.0.id": "call_w2",
          "gen_ai.completion.0.tool_calls.0.name": "get_weather",
          "gen_ai.completion.0.tool_calls.0.arguments": '{"city":"Lyon"}',
          "llm.request.functions.0.name": "get_weather",
          "llm.request.functions.0.description": "Current weather of a city",
          "llm.request.functions.0.parameters": JSON.stringify(PARAMS),
          "gen_ai.usage.input_tokens": 120,
          "gen_ai.usage.output_tokens": 30,
          "gen_ai.usage.cache_read_input_tokens": 100,
          "gen_ai.usage.cache_read.input_tokens": 100,
          "gen_ai.usage.cache_creation.input_tokens": 20,
          "gen_ai.usage.reasoning_tokens": 12,
          "llm.usage.total_tokens": 150,
        }),
      ),
    ]);
    expect(body).toMatchObject({ accepted: 1 });
    const event = await read(`${trace}:a1ad6b7169203331`);
    expect(event.messages).toEqual(EXPECTED);
    expect(event.tools).toEqual([WEATHER_TOOL]);
    expect(event).toMatchObject({ model: "gpt-4o", tokens_in: 120, tokens_out: 30, query: "And Lyon?", response: "Let me check." });
    expect(event.attributes).toMatchObject({
      "gen_ai.response.finish_reasons": ["tool_calls"],
      "gen_ai.usage.cache_read_input_tokens": 100,
      "gen_ai.usage.cache_read.input_tokens": 100,
      "gen_ai.usage.cache_creation.input_tokens": 20,
      "gen_ai.usage.reasoning_tokens": 12,
      "llm.usage.total_tokens": 150,
    });
    // The flattened content is in messages, not repeated in attributes.
    expect(Object.keys(event.attributes).filter((k) => /^gen_ai\.(prompt|completion)\./.test(k))).toEqual([]);
  });

  it("reads OpenInference's llm.input_messages / llm.output_messages, llm.tools, llm.model_name and token counts (no gen_ai.*)", async () => {
    const trace = "5bf7651916cd43dd8448eb211c80319c";
    const body = await post([
      span(
        trace,
        "a2ad6b7169203332",
        attrs({
          "openinference.span.kind": "LLM",
          "llm.model_name": "gpt-4o-mini",
          "llm.provider": "openai",
          "session.id": "sess_oi",
          "tag.tags": ["weather", "beta"],
          "llm.input_messages.0.message.role": "system",
          "llm.input_messages.0.message.content": "You are a weather bot.",
          "llm.input_messages.1.message.role": "user",
          "llm.input_messages.1.message.contents.0.message_content.type": "text",
          "llm.input_messages.1.message.contents.0.message_content.text": "Weather in Paris?",
          "llm.input_messages.2.message.role": "assistant",
          "llm.input_messages.2.message.tool_calls.0.tool_call.id": "call_w1",
          "llm.input_messages.2.message.tool_calls.0.tool_call.function.name": "get_weather",
          "llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments": '{"city":"Paris"}',
          "llm.input_messages.3.message.role": "tool",
          "llm.input_messages.3.message.tool_call_id": "call_w1",
          "llm.input_messages.3.message.content": '{"temp_f":57,"sky":"rain"}',
          "llm.input_messages.4.message.role": "user",
          "llm.input_messages.4.message.content": "And Lyon?",
          "llm.output_messages.0.message.role": "assistant",
          "llm.output_messages.0.message.content": "Let me check.",
          "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_w2",
          "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
          "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"city":"Lyon"}',
          "llm.tools.0.tool.json_schema": JSON.stringify(WEATHER_TOOL),
          "llm.token_count.prompt": 120,
          "llm.token_count.completion": 30,
          "llm.token_count.total": 150,
          "llm.token_count.prompt_details.cache_read": 100,
          "llm.token_count.prompt_details.cache_write": 20,
          "llm.token_count.completion_details.reasoning": 12,
          "input.value": "ignored",
        }),
      ),
    ]);
    expect(body).toMatchObject({ accepted: 1, skipped_non_genai: 0 });
    const event = await read(`${trace}:a2ad6b7169203332`);
    expect(event.messages).toEqual(EXPECTED);
    expect(event.tools).toEqual([WEATHER_TOOL]);
    expect(event).toMatchObject({ model: "gpt-4o-mini", tokens_in: 120, tokens_out: 30, session_id: "sess_oi", tags: ["otel", "weather", "beta"] });
    expect(event.attributes).toMatchObject({
      "llm.token_count.total": 150,
      "llm.token_count.prompt_details.cache_read": 100,
      "llm.token_count.prompt_details.cache_write": 20,
      "llm.token_count.completion_details.reasoning": 12,
    });
  });

  it("reads the Vercel AI SDK's ai.prompt.messages, ai.response.* and ai.prompt.tools (v4 args/result and v5 input/output)", async () => {
    const trace = "6bf7651916cd43dd8448eb211c80319c";
    const prompt = [
      { role: "system", content: "You are a weather bot." },
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
      { role: "assistant", content: [{ type: "tool-call", toolCallId: "call_w1", toolName: "get_weather", args: { city: "Paris" } }] },
      { role: "tool", content: [{ type: "tool-result", toolCallId: "call_w1", toolName: "get_weather", result: { temp_f: 57, sky: "rain" } }] },
      { role: "user", content: "And Lyon?" },
    ];
    const body = await post([
      span(
        trace,
        "a3ad6b7169203333",
        attrs({
          "operation.name": "ai.generateText.doGenerate",
          "ai.operationId": "ai.generateText.doGenerate",
          "ai.model.id": "gpt-4o",
          "ai.model.provider": "openai.chat",
          "ai.prompt.messages": JSON.stringify(prompt),
          "ai.prompt.tools": [JSON.stringify({ type: "function", name: "get_weather", description: "Current weather of a city", parameters: PARAMS })],
          "ai.response.text": "Let me check.",
          "ai.response.toolCalls": JSON.stringify([{ toolCallType: "function", toolCallId: "call_w2", toolName: "get_weather", args: '{"city":"Lyon"}' }]),
          "ai.response.finishReason": "tool-calls",
          "ai.usage.promptTokens": 120,
          "ai.usage.completionTokens": 30,
        }),
      ),
      // v5: input / output ({ type, value }) and inputSchema.
      span(
        trace,
        "a4ad6b7169203334",
        attrs({
          "ai.operationId": "ai.streamText.doStream",
          "ai.model.id": "gpt-5",
          "ai.prompt.messages": JSON.stringify([
            { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
            { role: "assistant", content: [{ type: "tool-call", toolCallId: "call_w1", toolName: "get_weather", input: { city: "Paris" } }] },
            {
              role: "tool",
              content: [{ type: "tool-result", toolCallId: "call_w1", toolName: "get_weather", output: { type: "json", value: { temp_f: 57, sky: "rain" } } }],
            },
          ]),
          "ai.prompt.tools": [JSON.stringify({ type: "function", name: "get_weather", description: "Current weather of a city", inputSchema: PARAMS })],
          "ai.response.toolCalls": JSON.stringify([{ toolCallId: "call_w2", toolName: "get_weather", input: '{"city":"Lyon"}' }]),
          "ai.usage.inputTokens": 80,
          "ai.usage.outputTokens": 10,
        }),
      ),
      // The outer ai.generateText span repeats the provider call: not an LLM call of its own.
      span(trace, "a5ad6b7169203335", attrs({ "ai.operationId": "ai.generateText", "ai.prompt": '{"prompt":"x"}', "ai.response.text": "Let me check." })),
    ]);
    expect(body).toMatchObject({ accepted: 2, skipped_non_genai: 1 });
    const event = await read(`${trace}:a3ad6b7169203333`);
    expect(event.messages).toEqual(EXPECTED);
    expect(event.tools).toEqual([WEATHER_TOOL]);
    expect(event).toMatchObject({ model: "gpt-4o", tokens_in: 120, tokens_out: 30, query: "And Lyon?", response: "Let me check." });
    expect(event.attributes).toMatchObject({ "gen_ai.response.finish_reasons": ["tool-calls"], "ai.usage.promptTokens": 120 });

    const v5 = await read(`${trace}:a4ad6b7169203334`);
    expect(v5.messages).toEqual([EXPECTED[1], EXPECTED[2], EXPECTED[3], { role: "assistant", tool_calls: [call2] }]);
    expect(v5.tools).toEqual([WEATHER_TOOL]);
    expect(v5).toMatchObject({ model: "gpt-5", tokens_in: 80, tokens_out: 10 });
  });

  it("reads Langfuse's langfuse.observation.input / output, session and tags", async () => {
    const trace = "7bf7651916cd43dd8448eb211c80319c";
    const input = {
      messages: [
        { role: "system", content: "You are a weather bot." },
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_w1", type: "function", function: { name: "get_weather", arguments: { city: "Paris" } } }],
        },
        { role: "tool", tool_call_id: "call_w1", content: '{"temp_f":57,"sky":"rain"}' },
        { role: "user", content: "And Lyon?" },
      ],
      tools: [WEATHER_TOOL],
    };
    const output = { role: "assistant", content: "Let me check.", tool_calls: [call2] };
    const body = await post([
      span(
        trace,
        "a6ad6b7169203336",
        attrs({
          "langfuse.observation.type": "generation",
          "langfuse.observation.model.name": "claude-sonnet-4",
          "langfuse.observation.input": JSON.stringify(input),
          "langfuse.observation.output": JSON.stringify(output),
          "langfuse.observation.usage_details": JSON.stringify({ input: 120, output: 30 }),
          "langfuse.session.id": "sess_lf",
          "langfuse.trace.tags": ["weather", "prod"],
        }),
      ),
      // Plain strings: a user question and the assistant's answer.
      span(
        trace,
        "a7ad6b7169203337",
        attrs({ "langfuse.observation.type": "generation", "langfuse.observation.input": "Say hi", "langfuse.observation.output": "Hi!" }),
      ),
      // An array of chat messages in, and a span observation (function arguments, not a conversation) skipped.
      span(
        trace,
        "a8ad6b7169203338",
        attrs({
          "langfuse.observation.type": "generation",
          "langfuse.observation.input": JSON.stringify([{ role: "user", content: [{ type: "text", text: "Hello" }] }]),
          "langfuse.observation.output": JSON.stringify("Hello back"),
        }),
      ),
      span(trace, "a9ad6b7169203339", attrs({ "langfuse.observation.type": "span", "langfuse.observation.input": '{"city":"Paris"}' })),
    ]);
    expect(body).toMatchObject({ accepted: 3, skipped_non_genai: 1 });
    const event = await read(`${trace}:a6ad6b7169203336`);
    // OpenAI's `content: null` beside tool calls is kept as sent.
    expect(event.messages).toEqual(EXPECTED.map((m, i) => (i === 2 ? { ...m, content: null } : m)));
    expect(event.tools).toEqual([WEATHER_TOOL]);
    expect(event).toMatchObject({ model: "claude-sonnet-4", tokens_in: 120, tokens_out: 30, session_id: "sess_lf", tags: ["otel", "weather", "prod"] });

    expect((await read(`${trace}:a7ad6b7169203337`)).messages).toEqual([
      { role: "user", content: "Say hi" },
      { role: "assistant", content: "Hi!" },
    ]);
    expect((await read(`${trace}:a8ad6b7169203338`)).messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Hello" }] },
      { role: "assistant", content: "Hello back" },
    ]);
  });

  it("prefers semconv attributes over the other forms, and never fails on malformed values", async () => {
    const trace = "8bf7651916cd43dd8448eb211c80319c";
    const body = await post([
      span(
        trace,
        "b1ad6b7169203331",
        attrs({
          "gen_ai.operation.name": "chat",
          "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "semconv wins" }] }]),
          "gen_ai.prompt.0.role": "user",
          "gen_ai.prompt.0.content": "openllmetry loses",
          "llm.input_messages.0.message.role": "user",
          "llm.input_messages.0.message.content": "openinference loses",
          "langfuse.session.id": "sess_lf",
          "gen_ai.conversation.id": "conv_1",
        }),
      ),
      span(
        trace,
        "b2ad6b7169203332",
        attrs({
          "gen_ai.system": "openai",
          "gen_ai.prompt.0.role": "wizard",
          "gen_ai.prompt.1.content": { not: "text" },
          "gen_ai.prompt.x.role": "user",
          "gen_ai.completion.0.tool_calls.0.name": "",
          "llm.request.functions.0.description": "no name",
          "llm.tools.0.tool.json_schema": "{not json",
          "ai.prompt.messages": "[{broken",
          "ai.prompt.tools": "nope",
          "ai.response.toolCalls": "{}",
          "langfuse.observation.input": "{",
          "langfuse.observation.output": JSON.stringify({ messages: "x" }),
          "langfuse.trace.tags": 42,
          "llm.token_count.prompt": "many",
        }),
      ),
      span(
        trace,
        "b3ad6b7169203333",
        attrs({ "llm.model_name": "gpt-4o", "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": 7 }),
      ),
    ]);
    expect(body).toMatchObject({ accepted: 3 });
    const first = await read(`${trace}:b1ad6b7169203331`);
    expect(first.messages).toEqual([{ role: "user", content: "semconv wins" }]);
    expect(first.session_id).toBe("conv_1");
    const second = await read(`${trace}:b2ad6b7169203332`);
    // gen_ai.prompt.1 has no role: the prompt's default (user), its object content as JSON text.
    expect(second.messages).toEqual([{ role: "user", content: '{"not":"text"}' }]);
    expect(second.tools).toBeUndefined();
    expect(second.tags).toEqual(["otel"]);
    const third = await read(`${trace}:b3ad6b7169203333`);
    expect(third.messages).toEqual([{ role: "user", content: "7" }]);
    expect(third.model).toBe("gpt-4o");
  });
});

// The attributes below are what the real clients emitted in test/node/genai-*.test.ts
// (same conversation: system, user, get_weather called, its result, the answer).
describe("spans as the real clients write them", () => {
  const SYSTEM = "You are a travel assistant. Use the tools for live data.";
  const QUESTION = "What's the weather in Paris?";
  const ARGS = '{"city":"Paris","unit":"celsius"}';
  const RESULT = '{"temperature":18,"sky":"cloudy"}';
  const ANSWER = "It is 18 °C and cloudy in Paris.";
  const CALL = { id: "call_weather_1", type: "function", function: { name: "get_weather", arguments: ARGS } };
  const SCHEMA = {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
    required: ["city"],
    additionalProperties: false,
  };
  const CONVERSATION = [
    { role: "system", content: SYSTEM },
    { role: "user", content: QUESTION },
    { role: "assistant", tool_calls: [CALL] },
    { role: "tool", tool_call_id: CALL.id, content: RESULT },
    { role: "assistant", content: ANSWER },
  ];
  const text = (content: string) => ({ type: "text", content });
  const toolCallPart = { type: "tool_call", id: CALL.id, name: "get_weather", arguments: { city: "Paris", unit: "celsius" } };
  const toolResponsePart = { type: "tool_call_response", id: CALL.id, response: { temperature: 18, sky: "cloudy" } };

  it("OpenInference, streamed: the call-only answer's empty content is no content, llm.finish_reason is the answer's reason", async () => {
    const trace = "9af7651916cd43dd8448eb211c80319c";
    await post([
      span(
        trace,
        "c1ad6b7169203331",
        attrs({
          "openinference.span.kind": "LLM",
          "llm.model_name": "fake-gpt",
          "llm.system": "openai",
          "llm.input_messages.0.message.role": "system",
          "llm.input_messages.0.message.content": SYSTEM,
          "llm.input_messages.1.message.role": "user",
          "llm.input_messages.1.message.content": QUESTION,
          "llm.tools.0.tool.json_schema": JSON.stringify({
            type: "function",
            function: { name: "get_weather", description: "The current weather in a city", parameters: SCHEMA },
          }),
          "output.value": "",
          "output.mime_type": "text/plain",
          "llm.output_messages.0.message.content": "",
          "llm.output_messages.0.message.role": "assistant",
          "llm.finish_reason": "tool_calls",
          "llm.output_messages.0.message.tool_calls.0.tool_call.id": CALL.id,
          "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
          "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": ARGS,
        }),
      ),
    ]);
    const event = await read(`${trace}:c1ad6b7169203331`);
    expect(event.messages).toEqual(CONVERSATION.slice(0, 3));
    expect(event.attributes["gen_ai.response.finish_reasons"]).toEqual(["tool_calls"]);
  });

  it("Vercel AI SDK (@ai-sdk/otel OpenTelemetry): flat tool definitions with inputSchema, system instructions first", async () => {
    const trace = "9bf7651916cd43dd8448eb211c80319c";
    await post([
      span(
        trace,
        "c2ad6b7169203332",
        attrs({
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "openai",
          "gen_ai.request.model": "fake-gpt",
          "gen_ai.system_instructions": JSON.stringify([text(SYSTEM)]),
          "gen_ai.input.messages": JSON.stringify([
            { role: "user", parts: [text(QUESTION)] },
            { role: "assistant", parts: [toolCallPart] },
            { role: "tool", parts: [toolResponsePart] },
          ]),
          "gen_ai.tool.definitions": JSON.stringify([
            { type: "function", name: "get_weather", inputSchema: SCHEMA, description: "The current weather in a city" },
          ]),
          "gen_ai.response.finish_reasons": ["stop"],
          "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [text(ANSWER)], finish_reason: "stop" }]),
        }),
      ),
    ]);
    const event = await read(`${trace}:c2ad6b7169203332`);
    expect(event.messages).toEqual(CONVERSATION);
    expect(event.tools).toEqual([{ type: "function", function: { name: "get_weather", description: "The current weather in a city", parameters: SCHEMA } }]);
  });

  it("Vercel AI SDK: invoke_agent's summed-up output (text, calls, responses) is told in the order it happened", async () => {
    const trace = "9cf7651916cd43dd8448eb211c80319c";
    await post([
      span(
        trace,
        "c3ad6b7169203333",
        attrs({
          "gen_ai.operation.name": "invoke_agent",
          "gen_ai.system_instructions": JSON.stringify([text(SYSTEM)]),
          "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [text(QUESTION)] }]),
          "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [text(ANSWER), toolCallPart, toolResponsePart], finish_reason: "stop" }]),
        }),
      ),
    ]);
    const event = await read(`${trace}:c3ad6b7169203333`);
    expect(event.type).toBe("gen_ai.invoke_agent");
    expect(event.messages).toEqual(CONVERSATION);
  });

  it("an execute_tool span (@ai-sdk/otel) and an ai.toolCall span (LegacyOpenTelemetry) are execute_tool events in their trace's session", async () => {
    const trace = "9df7651916cd43dd8448eb211c80319c";
    const body = await post([
      span(
        trace,
        "c4ad6b7169203334",
        attrs({
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": "get_weather",
          "gen_ai.tool.call.id": CALL.id,
          "gen_ai.tool.type": "function",
          "gen_ai.tool.call.arguments": ARGS,
          "gen_ai.execute_tool.duration": 0.00006,
          "gen_ai.tool.call.result": RESULT,
        }),
      ),
      span(
        trace,
        "c5ad6b7169203335",
        attrs({
          "operation.name": "ai.toolCall",
          "ai.operationId": "ai.toolCall",
          "ai.toolCall.name": "get_weather",
          "ai.toolCall.id": CALL.id,
          "ai.toolCall.args": ARGS,
          "ai.toolCall.result": RESULT,
        }),
      ),
    ]);
    expect(body).toMatchObject({ accepted: 2, skipped_non_genai: 0 });
    for (const id of ["c4ad6b7169203334", "c5ad6b7169203335"]) {
      const event = await read(`${trace}:${id}`);
      expect(event, id).toMatchObject({ type: "gen_ai.execute_tool", session_id: trace, trace_id: trace, parent_id: "1111111111111111" });
      expect(event.messages, id).toEqual(CONVERSATION.slice(2, 4));
      // The call and result are the messages, not repeated among the attributes.
      expect(event.attributes, id).not.toHaveProperty("gen_ai.tool.call.result");
      expect(event.attributes, id).not.toHaveProperty("gen_ai.tool.call.arguments");
    }
  });
});

import { OpenAIInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventOfSpan,
  FIRST_TURN,
  type FakeOpenAIUpstream,
  type GleanerTracing,
  gleanerTracing,
  MODEL,
  SECOND_TURN,
  STORED_CONVERSATION,
  startFakeOpenAIUpstream,
  WEATHER_CALL,
  WEATHER_TOOL,
  WEATHER_RESULT,
} from "./fake-openai-upstream";
import { createKey, type GleanerProcess, startProcess, tempDataDir } from "./gleaner-process";

// OpenInference's OpenAI instrumentation (Arize) on the official `openai` SDK, calling a local
// OpenAI-compatible upstream, its spans exported as OTLP/protobuf to a running Gleaner.

let gleaner: GleanerProcess;
let key: string;
let upstream: FakeOpenAIUpstream;
let tracing: GleanerTracing;
let client: OpenAI;

beforeAll(async () => {
  [gleaner, upstream] = await Promise.all([startProcess(tempDataDir()), startFakeOpenAIUpstream()]);
  key = await createKey(gleaner.base, "genai-openinference");
  tracing = gleanerTracing(gleaner.base, key, "openinference-agent");
  const instrumentation = new OpenAIInstrumentation({ tracerProvider: tracing.provider });
  instrumentation.manuallyInstrument(OpenAI);
  client = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "sk-test-not-a-real-key" });
}, 120_000);

afterAll(async () => {
  await tracing?.provider.shutdown();
  await upstream?.close();
  gleaner?.child.kill("SIGINT");
  await gleaner?.exited;
});

/** The one span the last call produced, once exported, and Gleaner's event for it. */
async function lastEvent() {
  const spans = await tracing.flush();
  expect(spans).toHaveLength(1);
  return { span: spans[0]!, event: await eventOfSpan(gleaner.base, key, spans[0]!) };
}

describe("OpenInference (@arizeai/openinference-instrumentation-openai) on the openai SDK → Gleaner", () => {
  it("stores the first turn: system first, the user question, the tool call with its arguments, the tool definitions", async () => {
    const answer = await client.chat.completions.create({ model: MODEL, messages: FIRST_TURN, tools: [WEATHER_TOOL] });
    expect(answer.choices[0]?.message.tool_calls).toEqual([WEATHER_CALL]);
    const { span, event } = await lastEvent();
    expect(span.attributes["llm.input_messages.0.message.role"]).toBe("system");
    expect(event).toMatchObject({ type: "gen_ai.chat", source: "openinference-agent", model: MODEL, tokens_in: 52, tokens_out: 11 });
    expect(event.messages).toEqual(STORED_CONVERSATION.slice(0, 3));
    expect(event.tools).toEqual([WEATHER_TOOL]);
  });

  it("stores the second turn: the whole conversation with the tool result (role tool, tool_call_id) and the final answer", async () => {
    const answer = await client.chat.completions.create({ model: MODEL, messages: SECOND_TURN, tools: [WEATHER_TOOL] });
    expect(answer.choices[0]?.message.content).toBe(STORED_CONVERSATION.at(-1)?.content);
    const { event } = await lastEvent();
    expect(event.messages).toEqual(STORED_CONVERSATION);
    expect(event.messages[0].role).toBe("system");
    expect(event.messages[2].tool_calls[0].function).toEqual({ name: "get_weather", arguments: WEATHER_CALL.function.arguments });
    expect(event.messages[3]).toEqual({ role: "tool", tool_call_id: WEATHER_CALL.id, content: WEATHER_RESULT });
    expect(event.tools).toEqual([WEATHER_TOOL]);
    expect(event.session_id).toBe(event.trace_id);
  });

  it("stores a streamed tool call, its arguments put together from the chunks", async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: FIRST_TURN,
      tools: [WEATHER_TOOL],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _ of stream) {
      // Drained: the span ends with the stream.
    }
    const { span, event } = await lastEvent();
    // OpenInference writes the streamed call-only answer's text as "": no content, as in the plain answer.
    expect(span.attributes["llm.output_messages.0.message.content"]).toBe("");
    expect(event.messages).toEqual(STORED_CONVERSATION.slice(0, 3));
    expect(event.tools).toEqual([WEATHER_TOOL]);
    expect(event.attributes["gen_ai.response.finish_reasons"]).toEqual(["tool_calls"]);
  });
});

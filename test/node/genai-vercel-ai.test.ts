import { createOpenAI } from "@ai-sdk/openai";
import { LegacyOpenTelemetry, OpenTelemetry } from "@ai-sdk/otel";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { generateText, registerTelemetry, stepCountIs, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  eventOfSpan,
  FINAL_ANSWER,
  type FakeOpenAIUpstream,
  type GleanerTracing,
  gleanerTracing,
  MODEL,
  STORED_CONVERSATION,
  SYSTEM_PROMPT,
  startFakeOpenAIUpstream,
  USER_QUESTION,
  WEATHER_CALL,
  WEATHER_RESULT,
} from "./fake-openai-upstream";
import { createKey, type GleanerProcess, startProcess, tempDataDir } from "./gleaner-process";

// The Vercel AI SDK 7 (`ai` + `@ai-sdk/openai` against a local OpenAI-compatible upstream),
// its telemetry from `@ai-sdk/otel`: both integrations registered at once with registerTelemetry,
// each on its own tracer provider exporting OTLP/protobuf to a running Gleaner. One generateText
// over two steps (the model calls get_weather, then answers) is read back from both.

let gleaner: GleanerProcess;
let key: string;
let upstream: FakeOpenAIUpstream;
let semconv: GleanerTracing;
let legacy: GleanerTracing;
let semconvSpans: ReadableSpan[];
let legacySpans: ReadableSpan[];
let text: string;

beforeAll(async () => {
  [gleaner, upstream] = await Promise.all([startProcess(tempDataDir()), startFakeOpenAIUpstream()]);
  key = await createKey(gleaner.base, "genai-vercel-ai");
  semconv = gleanerTracing(gleaner.base, key, "vercel-ai-agent");
  legacy = gleanerTracing(gleaner.base, key, "vercel-ai-legacy-agent");
  registerTelemetry(new OpenTelemetry({ tracer: semconv.provider.getTracer("ai") }), new LegacyOpenTelemetry({ tracer: legacy.provider.getTracer("ai") }));
  const openai = createOpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "sk-test-not-a-real-key" });
  const result = await generateText({
    model: openai.chat(MODEL),
    system: SYSTEM_PROMPT,
    prompt: USER_QUESTION,
    tools: {
      get_weather: tool({
        description: "The current weather in a city",
        inputSchema: z.object({ city: z.string(), unit: z.enum(["celsius", "fahrenheit"]).optional() }),
        execute: async () => JSON.parse(WEATHER_RESULT) as unknown,
      }),
    },
    stopWhen: stepCountIs(2),
  });
  text = result.text;
  [semconvSpans, legacySpans] = await Promise.all([semconv.flush(), legacy.flush()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([semconv?.provider.shutdown(), legacy?.provider.shutdown()]);
  await upstream?.close();
  gleaner?.child.kill("SIGINT");
  await gleaner?.exited;
});

/** The tools as the SDK sent them to the upstream (OpenAI's chat shape): what the stored events must hold. */
const sentTools = () => upstream.requests.find((r) => r.path === "/v1/chat/completions")?.body?.tools as unknown[];
const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

describe("the Vercel AI SDK (ai 7, @ai-sdk/otel) → Gleaner", () => {
  it("made two model calls and ran the tool in between", () => {
    expect(text).toBe(FINAL_ANSWER);
    expect(upstream.requests.map((r) => r.body?.messages?.length)).toEqual([2, 4]);
    expect(sentTools()).toHaveLength(1);
  });

  describe("OpenTelemetry integration (GenAI semantic conventions)", () => {
    it("stores each chat span's conversation, system first, with the tool call, its result and the tool definitions", async () => {
      const [first, second] = named(semconvSpans, `chat ${MODEL}`);
      const [one, two] = await Promise.all([eventOfSpan(gleaner.base, key, first!), eventOfSpan(gleaner.base, key, second!)]);
      expect(one).toMatchObject({ type: "gen_ai.chat", source: "vercel-ai-agent", model: MODEL, tokens_in: 52, tokens_out: 11 });
      expect(one.messages).toEqual(STORED_CONVERSATION.slice(0, 3));
      expect(two.messages).toEqual(STORED_CONVERSATION);
      // gen_ai.tool.definitions holds the AI SDK's flat { name, inputSchema }: stored as OpenAI's { type, function: { parameters } }.
      expect(JSON.parse(String(first!.attributes["gen_ai.tool.definitions"]))[0]).toHaveProperty("inputSchema");
      expect(one.tools).toEqual(sentTools());
      expect(two.tools).toEqual(sentTools());
    });

    it("stores the execute_tool span as its own event in the run's session (the trace), the call and its result as messages", async () => {
      const [toolSpan] = named(semconvSpans, "execute_tool get_weather");
      const [chat] = named(semconvSpans, `chat ${MODEL}`);
      const [event, chatEvent] = await Promise.all([eventOfSpan(gleaner.base, key, toolSpan!), eventOfSpan(gleaner.base, key, chat!)]);
      expect(event).toMatchObject({ type: "gen_ai.execute_tool", trace_id: toolSpan!.spanContext().traceId, parent_id: toolSpan!.parentSpanContext?.spanId });
      expect(event.session_id).toBe(toolSpan!.spanContext().traceId);
      expect(event.session_id).toBe(chatEvent.session_id);
      expect(event.messages).toEqual([
        { role: "assistant", tool_calls: [WEATHER_CALL] },
        { role: "tool", tool_call_id: WEATHER_CALL.id, content: WEATHER_RESULT },
      ]);
      expect(event.attributes).toMatchObject({ "gen_ai.tool.name": "get_weather", "gen_ai.tool.call.id": WEATHER_CALL.id });
      expect(event.attributes).not.toHaveProperty("gen_ai.tool.call.result");
    });

    it("stores the invoke_agent span's run in the order it happened (calls, results, then the final text)", async () => {
      const [agent] = named(semconvSpans, `invoke_agent ${MODEL}`);
      const event = await eventOfSpan(gleaner.base, key, agent!);
      expect(event).toMatchObject({ type: "gen_ai.invoke_agent", session_id: agent!.spanContext().traceId, tokens_in: 104, tokens_out: 22 });
      expect(event.messages).toEqual(STORED_CONVERSATION);
    });
  });

  describe("LegacyOpenTelemetry integration (ai.* attributes)", () => {
    it("stores each doGenerate span's conversation, with the tool call, its result and the tool definitions", async () => {
      const [first, second] = named(legacySpans, "ai.generateText.doGenerate");
      const [one, two] = await Promise.all([eventOfSpan(gleaner.base, key, first!), eventOfSpan(gleaner.base, key, second!)]);
      expect(one).toMatchObject({ source: "vercel-ai-legacy-agent", model: MODEL, tokens_in: 52, tokens_out: 11 });
      expect(one.messages).toEqual(STORED_CONVERSATION.slice(0, 3));
      expect(two.messages).toEqual(STORED_CONVERSATION);
      expect(one.tools).toEqual(sentTools());
      expect(two.tools).toEqual(sentTools());
    });

    it("stores the ai.toolCall span as an execute_tool event in the same session", async () => {
      const [toolSpan] = named(legacySpans, "ai.toolCall");
      const event = await eventOfSpan(gleaner.base, key, toolSpan!);
      expect(event).toMatchObject({ type: "gen_ai.execute_tool", session_id: toolSpan!.spanContext().traceId });
      expect(event.messages).toEqual([
        { role: "assistant", tool_calls: [WEATHER_CALL] },
        { role: "tool", tool_call_id: WEATHER_CALL.id, content: WEATHER_RESULT },
      ]);
    });
  });
});

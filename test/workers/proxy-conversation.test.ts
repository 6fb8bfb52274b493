import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { SseCollector } from "../../src/domain/proxy-answers";
import { proxyEvent } from "../../src/domain/proxy-event";
import { requestConversation } from "../../src/domain/proxy-requests";
import worker from "../../src/index";
import { createKey, storedEventOf } from "./helpers";

/** The fake upstream's namespaces: `tools` answers with tool calls, `text` with text. */
const UPSTREAMS = {
  PROXY_UPSTREAMS: `tools=${env.TEST_FAKE_AI_URL}/ns/proxy-conv-tools/v1,text=${env.TEST_FAKE_AI_URL}/ns/proxy-conv-text/v1,echo=${env.TEST_FAKE_AI_URL}/ns/proxy-conv-echo/v1`,
};

/** What test/support/fake-ai-server.ts's `tools` mode answers. */
const FAKE_TOOL_CALLS = [
  { id: "call_weather_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } },
  { id: "call_time_2", type: "function", function: { name: "get_time", arguments: '{"timezone":"Europe/Paris"}' } },
];

const TOOLS = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "The weather in a city",
      parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["city"] },
      strict: true,
    },
  },
  { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { timezone: { type: "string" } } } } },
];

/** A multi-turn conversation: system prompt, two user turns, an assistant tool call and its result. */
const MESSAGES = [
  { role: "system", content: "You are a travel assistant. Use tools for live data." },
  { role: "user", content: "Hi! I'm going to Paris tomorrow." },
  { role: "assistant", content: "Great, what would you like to know?", refusal: null },
  { role: "user", content: [{ type: "text", text: "What's the weather there, and what time is it?" }] },
  {
    role: "assistant",
    content: null,
    refusal: null,
    tool_calls: [{ id: "call_prev_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
  },
  { role: "tool", tool_call_id: "call_prev_0", content: '{"temperature":18,"sky":"cloudy"}' },
];

/** MESSAGES as event schema v2 keeps them: OpenAI's fields it does not know (`refusal`) left out. */
const STORED_MESSAGES = MESSAGES.map(({ refusal: _r, ...m }: Record<string, unknown>) => m);

let key: string;

beforeAll(async () => {
  key = (await createKey("proxy-conversation-tests")).key;
  await fetch(`${env.TEST_FAKE_AI_URL}/ns/proxy-conv-tools/__mode`, { method: "POST", body: JSON.stringify({ mode: "tools" }) });
  await fetch(`${env.TEST_FAKE_AI_URL}/ns/proxy-conv-echo/__mode`, { method: "POST", body: JSON.stringify({ mode: "echo" }) });
});

async function proxy(upstream: string, body: unknown): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://gleaner.test/v1/proxy/${upstream}/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }),
    { ...env, ...UPSTREAMS },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

const storedEvent = (id: string) => storedEventOf(key, id);

describe("proxy events keep the whole conversation", () => {
  for (const stream of [false, true]) {
    it(`records every message, the tools and the answer's tool calls (${stream ? "streamed" : "plain"})`, async () => {
      const res = await proxy("tools", { model: "fake-model", stream, messages: MESSAGES, tools: TOOLS, tool_choice: "auto" });
      expect(res.status).toBe(200);
      const relayed = await res.text();
      if (stream) expect(relayed).toContain('"index":1');
      else expect(JSON.parse(relayed).choices[0].message.tool_calls).toEqual(FAKE_TOOL_CALLS);
      const event = await storedEvent(res.headers.get("Gleaner-Event-Id")!);
      expect(event.messages).toEqual([...STORED_MESSAGES, { role: "assistant", content: null, tool_calls: FAKE_TOOL_CALLS }]);
      expect(event.tools).toEqual(TOOLS);
      expect(event).toMatchObject({
        query: "What's the weather there, and what time is it?",
        tokens_in: 40,
        tokens_out: 9,
        attributes: { tool_choice: "auto", stream },
      });
      // The answer has no text: the response is not an earlier assistant turn.
      expect(event.response ?? "").toBe("");
      expect(event.attributes).not.toHaveProperty("truncated");
    });

    it(`records the conversation with a text answer last (${stream ? "streamed" : "plain"})`, async () => {
      const res = await proxy("text", { model: "fake-model", stream, messages: MESSAGES, tools: TOOLS });
      expect(res.status).toBe(200);
      const relayed = await res.text();
      const event = await storedEvent(res.headers.get("Gleaner-Event-Id")!);
      const answer = stream ? "Use logrotate with copytruncate." : JSON.parse(relayed).choices[0].message.content;
      expect(event.messages).toEqual([...STORED_MESSAGES, { role: "assistant", content: answer }]);
      expect(event.tools).toEqual(TOOLS);
      expect(event).toMatchObject({ query: "What's the weather there, and what time is it?", response: answer });
    });
  }

  it("cuts the longest texts first when the event is too big, and keeps the answer message last", async () => {
    const huge = "18 degrees and cloudy. ".repeat(600);
    const messages = [...MESSAGES.slice(0, 5), { role: "tool", tool_call_id: "call_prev_0", content: huge }, { role: "user", content: "Thanks, sum it up." }];
    const res = await proxy("echo", { model: "fake-model", messages, tools: TOOLS });
    expect(res.status).toBe(200);
    const event = await storedEvent(res.headers.get("Gleaner-Event-Id")!);
    expect(event.attributes).toMatchObject({ truncated: true });
    const stored = event.messages as { role: string; content: string }[];
    expect(stored.map((m) => m.role)).toEqual([...messages.map((m) => m.role), "assistant"]);
    expect(stored.at(-1)).toEqual({ role: "assistant", content: "Thanks, sum it up." });
    expect(stored[0]).toEqual(MESSAGES[0]);
    expect(huge.startsWith(stored[5]!.content)).toBe(true);
    expect(stored[5]!.content.length).toBeLessThan(huge.length);
    expect(JSON.stringify(event).length).toBeLessThanOrEqual(Number(env.MAX_EVENT_BYTES));
  });
});

describe("mapping a chat request and its answer onto event schema v2", () => {
  it("assembles streamed content and tool-call deltas by index, however the chunks are split", () => {
    const chunk = (delta: unknown) => `data: ${JSON.stringify({ model: "m", choices: [{ index: 0, delta }] })}\n\n`;
    const sse = [
      chunk({ role: "assistant", content: "Let me " }),
      chunk({ content: "check." }),
      chunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"ci' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { name: "get_time", arguments: "{}" } }] }),
      `data: ${JSON.stringify({ model: "m", choices: [{ index: 1, delta: { content: "another choice" } }] })}\n\n`,
      "data: [DONE]\n\n",
    ].join("");
    const collector = new SseCollector();
    for (const piece of sse.match(/.{1,5}/gs)!) collector.push(piece);
    expect(collector.facts()).toEqual({
      text: "Let me check.",
      model: "m",
      message: {
        role: "assistant",
        content: "Let me check.",
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "call_b", type: "function", function: { name: "get_time", arguments: "{}" } },
        ],
      },
    });
  });

  it("leaves out fields v2 does not know, maps legacy function messages and functions, keeps tool_choice", () => {
    const conversation = requestConversation({
      model: "m",
      messages: [
        { role: "user", content: "hi", name: "ann" },
        { role: "assistant", content: null, audio: { id: "audio_1" }, function_call: { name: "f", arguments: "{}" } },
        { role: "function", name: "f", content: "42" },
        { role: "narrator", content: "unknown role" },
      ],
      functions: [{ name: "f", description: "the answer", parameters: { type: "object" } }],
      function_call: "auto",
    });
    expect(conversation).toEqual({
      messages: [
        { role: "user", content: "hi", name: "ann" },
        { role: "assistant", content: null },
        { role: "tool", name: "f", content: "42" },
      ],
      tools: [{ type: "function", function: { name: "f", description: "the answer", parameters: { type: "object" } } }],
      toolChoice: "auto",
      droppedMessages: 1,
    });
  });

  it("never drops the answer message, and cuts texts of events far over the limit", () => {
    const long = "x".repeat(20_000);
    const event = proxyEvent(
      {
        eventId: "proxy:1",
        upstream: "u",
        request: { op: "chat/completions", body: { model: "m", messages: Array.from({ length: 5 }, () => ({ role: "user", content: long })) } },
        startedAt: 0,
        latencyMs: 1,
        status: 200,
        answer: {
          text: long,
          message: { role: "assistant", content: long, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: long } }] },
        },
      },
      8 * 1024,
    );
    const messages = event.messages as { role: string; content: string }[];
    expect(messages).toHaveLength(6);
    expect(messages.at(-1)).toMatchObject({ role: "assistant", tool_calls: [{ id: "c", function: { name: "f" } }] });
    expect(event.attributes).toMatchObject({ truncated: true });
    expect(JSON.stringify(event).length).toBeLessThanOrEqual(7 * 1024);
    expect(event.query).toBe(messages[4]!.content);
    expect(event.response).toBe(messages[5]!.content);
  });
});

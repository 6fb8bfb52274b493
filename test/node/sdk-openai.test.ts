import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { wrapOpenAI } from "../../sdk/src/index";
import { eventV2Schema } from "../../src/domain/event-schema";
import { clientFor, FakeGleaner } from "./sdk-helpers";

/** An OpenAI-compatible /v1/chat/completions: answers, fails on model "broken", streams when asked. */
function startFakeOpenAI(): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw) as { model: string; stream?: boolean; tools?: unknown[] };
    if (body.model === "broken") {
      res.writeHead(500, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ error: { message: "model crashed" } }));
    }
    if (body.tools && body.stream) {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      for (const [i, delta] of toolCallDeltas.entries()) {
        const chunk = { id: "c2", model: "qwen-tools", choices: [{ index: 0, delta, finish_reason: i === toolCallDeltas.length - 1 ? "tool_calls" : null }] };
        res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      }
      res.write(`data: ${JSON.stringify({ id: "c2", model: "qwen-tools", choices: [], usage: { prompt_tokens: 80, completion_tokens: 30 } })}\n\n`);
      return res.end("data: [DONE]\n\n");
    }
    if (body.tools) {
      res.writeHead(200, { "Content-Type": "application/json" });
      const message = { role: "assistant", content: null, refusal: null, annotations: [], tool_calls: toolCallAnswer };
      const choice = { index: 0, message, logprobs: null, finish_reason: "tool_calls" };
      return res.end(JSON.stringify({ id: "chatcmpl-2", model: "qwen-tools", choices: [choice], usage: { prompt_tokens: 80, completion_tokens: 30 } }));
    }
    if (body.stream) {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      for (const [i, text] of ["Use ", "logrotate", "."].entries()) {
        const chunk = { id: "c1", model: "qwen-stream", choices: [{ index: 0, delta: { content: text }, finish_reason: i === 2 ? "stop" : null }] };
        res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      }
      res.write(`data: ${JSON.stringify({ id: "c1", model: "qwen-stream", choices: [], usage: { prompt_tokens: 9, completion_tokens: 3 } })}\n\n`);
      return res.end("data: [DONE]\n\n");
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(
      JSON.stringify({
        id: "chatcmpl-1",
        object: "chat.completion",
        model: `${body.model}-2025`,
        choices: [{ index: 0, message: { role: "assistant", content: "Use logrotate with copytruncate." }, finish_reason: "stop" }],
        usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
      }),
    );
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

/** The tool calls the model answers with when offered tools, as OpenAI sends them. */
const toolCallAnswer = [
  { id: "call_w", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } },
  { id: "call_t", type: "function", function: { name: "get_time", arguments: '{"tz":"Europe/Paris"}' } },
];

/** The same answer streamed, as OpenAI streams it: some text, then each call's id and name once, its arguments in pieces. */
const toolCallDeltas = [
  { role: "assistant", content: "Checking ", refusal: null },
  { content: "both." },
  { tool_calls: [{ index: 0, id: "call_w", type: "function", function: { name: "get_weather", arguments: "" } }] },
  { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
  { tool_calls: [{ index: 0, function: { arguments: '"Paris","unit":"celsius"}' } }] },
  { tool_calls: [{ index: 1, id: "call_t", type: "function", function: { name: "get_time", arguments: '{"tz":' } }] },
  { tool_calls: [{ index: 1, function: { arguments: '"Europe/Paris"}' } }] },
  {},
];

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The streamed result, like the openai package's Stream: a class with private state and extra members. */
class ChatStream {
  #body: ReadableStream<Uint8Array>;
  readonly controller = new AbortController();
  constructor(body: ReadableStream<Uint8Array>) {
    this.#body = body;
  }
  async *[Symbol.asyncIterator]() {
    let text = "";
    for await (const part of this.#body.pipeThrough(new TextDecoderStream())) text += part;
    for (const line of text.split("\n")) {
      if (line.startsWith("data: ") && line !== "data: [DONE]") yield JSON.parse(line.slice(6)) as unknown;
    }
  }
}

/** A minimal OpenAI-compatible client with the `openai` package's shape. */
function fakeOpenAIClient(baseURL: string) {
  return {
    baseURL,
    chat: {
      completions: {
        async create(request: { model: string; stream?: boolean; messages: unknown[] }) {
          const res = await fetch(`${baseURL}/v1/chat/completions`, { method: "POST", body: JSON.stringify(request) });
          if (!res.ok) throw new ApiError(res.status, `${res.status} ${((await res.json()) as { error: { message: string } }).error.message}`);
          return request.stream ? new ChatStream(res.body!) : ((await res.json()) as Record<string, unknown>);
        },
      },
    },
  };
}

let openaiServer: { server: Server; url: string };
let fake: FakeGleaner;
beforeAll(async () => {
  openaiServer = await startFakeOpenAI();
});
afterAll(() => new Promise<void>((resolve) => openaiServer.server.close(() => resolve())));
beforeEach(async () => {
  fake = await FakeGleaner.start();
});
afterEach(() => fake.close());

const request = {
  model: "qwen2.5-coder",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: [{ type: "text", text: "How do I rotate logs?" }] },
  ],
};

/** A later turn of a conversation that already used a tool, offering two tools. */
const toolRequest = {
  model: "qwen-tools",
  tool_choice: "auto",
  messages: [
    { role: "system", content: "You are a travel assistant." },
    { role: "user", content: [{ type: "text", text: "Weather in Lyon?" }] },
    {
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [{ id: "call_l", type: "function", function: { name: "get_weather", arguments: '{"city":"Lyon"}' } }],
    },
    { role: "tool", tool_call_id: "call_l", content: '{"temp":21}' },
    { role: "assistant", content: "21 °C in Lyon." },
    { role: "user", content: "And Paris, and what time is it there?", name: "ana" },
  ],
  tools: [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "Current weather for a city",
        parameters: { type: "object", properties: { city: { type: "string" }, unit: { enum: ["celsius", "fahrenheit"] } }, required: ["city"] },
        strict: true,
      },
    },
    { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } },
  ],
};

/** The request's messages as the event carries them: the same, without fields the server does not know. */
const askedMessages = toolRequest.messages.map(({ refusal: _, ...m }: Record<string, unknown>) => m);

function expectValidV2(event: Record<string, unknown> | undefined) {
  const parsed = eventV2Schema.safeParse(event);
  expect(parsed.error?.issues ?? []).toEqual([]);
}

describe("wrapping an OpenAI-compatible call", () => {
  it("wrapOpenAI: the result is unchanged and one event records query, response, model, tokens and latency", async () => {
    const client = clientFor(fake);
    const plain = fakeOpenAIClient(openaiServer.url);
    const openai = wrapOpenAI(plain, client, { session_id: "s-1", tags: ["chat"] });
    const result = await openai.chat.completions.create(request);
    expect(result).toEqual(await plain.chat.completions.create(request));
    expect(openai.baseURL).toBe(openaiServer.url);
    await client.close();
    const [event] = [...fake.stored.values()];
    expect(event).toMatchObject({
      type: "llm_call",
      source: "sdk-test",
      session_id: "s-1",
      tags: ["chat"],
      query: "How do I rotate logs?",
      response: "Use logrotate with copytruncate.",
      model: "qwen2.5-coder-2025",
      tokens_in: 12,
      tokens_out: 7,
      outcome: "success",
      attributes: { finish_reason: "stop" },
    });
    expect(event!.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it("traced(): the call's error comes back as the same object, and a failure event is recorded", async () => {
    const client = clientFor(fake);
    const openai = fakeOpenAIClient(openaiServer.url);
    const broken = { ...request, model: "broken" };
    const error = await client.traced(() => openai.chat.completions.create(broken), { request: broken, id: "call-1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(500);
    await client.close();
    expect(fake.stored.get("call-1")).toMatchObject({
      query: "How do I rotate logs?",
      messages: request.messages,
      model: "broken",
      outcome: "failure",
      attributes: { error: "500 model crashed", error_status: 500 },
    });
  });

  it("a streamed result passes through chunk by chunk and is recorded when the stream ends", async () => {
    const client = clientFor(fake);
    const openai = wrapOpenAI(fakeOpenAIClient(openaiServer.url), client);
    const stream = (await openai.chat.completions.create({ ...request, stream: true })) as ChatStream;
    expect(stream.controller).toBeInstanceOf(AbortController);
    const texts: string[] = [];
    for await (const chunk of stream) {
      const delta = (chunk as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content;
      if (delta) texts.push(delta);
    }
    expect(texts).toEqual(["Use ", "logrotate", "."]);
    await client.close();
    expect([...fake.stored.values()]).toEqual([
      expect.objectContaining({
        query: "How do I rotate logs?",
        response: "Use logrotate.",
        model: "qwen-stream",
        tokens_in: 9,
        tokens_out: 3,
        outcome: "success",
      }),
    ]);
  });

  it("recording never changes the result: with the client closed the call still answers", async () => {
    const errors: Error[] = [];
    const client = clientFor(fake, { onError: (e) => errors.push(e) });
    await client.close();
    const openai = wrapOpenAI(fakeOpenAIClient(openaiServer.url), client);
    const result = (await openai.chat.completions.create(request)) as { model: string };
    expect(result.model).toBe("qwen2.5-coder-2025");
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(["client_closed"]);
  });

  it("a tool-calling turn: every message in order, the answer with its tool calls last, the tools and tool_choice", async () => {
    const client = clientFor(fake);
    const openai = wrapOpenAI(fakeOpenAIClient(openaiServer.url), client);
    const result = (await openai.chat.completions.create(toolRequest)) as { choices: Array<{ message: unknown }> };
    expect(result.choices[0]!.message).toMatchObject({ tool_calls: toolCallAnswer });
    await client.close();
    const [event] = [...fake.stored.values()];
    expect(event!.messages).toEqual([...askedMessages, { role: "assistant", content: null, tool_calls: toolCallAnswer }]);
    expect(event!.tools).toEqual(toolRequest.tools);
    expect(event).toMatchObject({
      query: "And Paris, and what time is it there?",
      // Not "21 °C in Lyon.", the earlier turn's answer: this answer has no text.
      response: "",
      model: "qwen-tools",
      tokens_in: 80,
      tokens_out: 30,
      outcome: "success",
      attributes: { tool_choice: "auto", finish_reason: "tool_calls", tool_calls: ["get_weather", "get_time"] },
    });
    expectValidV2(event);
  });

  it("a streamed tool-calling turn: content and tool-call deltas are assembled into the answer message", async () => {
    const client = clientFor(fake);
    const openai = wrapOpenAI(fakeOpenAIClient(openaiServer.url), client);
    const stream = (await openai.chat.completions.create({ ...toolRequest, stream: true })) as ChatStream;
    const chunks: unknown[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toHaveLength(toolCallDeltas.length + 1);
    await client.close();
    const [event] = [...fake.stored.values()];
    expect(event!.messages).toEqual([...askedMessages, { role: "assistant", content: "Checking both.", tool_calls: toolCallAnswer }]);
    expect(event!.tools).toEqual(toolRequest.tools);
    expect(event).toMatchObject({
      response: "Checking both.",
      model: "qwen-tools",
      tokens_in: 80,
      outcome: "success",
      attributes: { tool_choice: "auto", finish_reason: "tool_calls" },
    });
    expectValidV2(event);
  });

  it("leaves out what the server would reject and says how much, so the event is still accepted", async () => {
    const client = clientFor(fake);
    const answer = {
      model: "m",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "",
            audio: null,
            tool_calls: [
              { id: "", type: "function", function: { name: "no_id", arguments: "{}" } },
              { id: "call_c", type: "custom", custom: { name: "grammar", input: "x" } },
              { id: "call_ok", type: "function", function: { name: "ok", arguments: { a: 1 } } },
            ],
          },
          finish_reason: "tool_calls",
        },
      ],
    };
    const openai = wrapOpenAI({ chat: { completions: { create: async (_request: unknown) => answer } } }, client);
    await openai.chat.completions.create({
      model: "m",
      tool_choice: { type: "function", function: { name: "ok" } },
      messages: [
        { role: "function", name: "legacy", content: "old" },
        { role: "user", content: [{ type: "text", text: "hi" }, { no_type: true }, "loose text"], name: "" },
      ],
      tools: [
        { type: "custom", custom: { name: "grammar" } },
        { type: "function", function: { name: "ok", parameters: [], strict: "yes" } },
      ],
    });
    await client.close();
    const [event] = [...fake.stored.values()];
    expect(event!.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "hi" }] },
      { role: "assistant", content: "", tool_calls: [{ id: "call_ok", type: "function", function: { name: "ok", arguments: '{"a":1}' } }] },
    ]);
    expect(event!.tools).toEqual([{ type: "function", function: { name: "ok" } }]);
    expect(event!.attributes).toMatchObject({ tool_choice: { type: "function", function: { name: "ok" } }, messages_dropped: 1, tools_dropped: 1 });
    expectValidV2(event);
  });

  it("a stream left early records the answer assembled so far, outcome partial", async () => {
    const client = clientFor(fake);
    const openai = wrapOpenAI(fakeOpenAIClient(openaiServer.url), client);
    const stream = (await openai.chat.completions.create({ ...toolRequest, stream: true })) as ChatStream;
    let seen = 0;
    for await (const _ of stream) if (++seen === 4) break;
    await client.close();
    const [event] = [...fake.stored.values()];
    expect(event!.outcome).toBe("partial");
    expect((event!.messages as unknown[]).at(-1)).toEqual({
      role: "assistant",
      content: "Checking both.",
      tool_calls: [{ id: "call_w", type: "function", function: { name: "get_weather", arguments: '{"city":' } }],
    });
    expectValidV2(event);
  });
});

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { wrapOpenAI } from "../../sdk/src/index";
import { clientFor, FakeGleaner } from "./sdk-helpers";

/** An OpenAI-compatible /v1/chat/completions: answers, fails on model "broken", streams when asked. */
function startFakeOpenAI(): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw) as { model: string; stream?: boolean };
    if (body.model === "broken") {
      res.writeHead(500, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ error: { message: "model crashed" } }));
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
});

import { createServer, type IncomingMessage, type Server } from "node:http";

/**
 * A small local server speaking the OpenAI API (/v1/models, /v1/chat/completions,
 * /v1/embeddings) for tests, with its failure modes. Each namespace
 * (`/ns/<name>/...`) has its own mode, set with POST /ns/<name>/__mode {"mode": ...}:
 * ok, down (500), slow (never answers in time), malformed (invalid JSON content),
 * redirect (302 to another host), unauthorized (401 whose body and headers echo the
 * bearer key it was sent, plain and encoded, as careless upstreams do), echo (chat answers repeat
 * the last message), tools (chat answers call two tools, `get_weather` and `get_time`; streamed as OpenAI
 * does, `delta.tool_calls` by index with the arguments split across chunks), judge (chat answers are an
 * LLM judge's verdict on the `answer` of the JSON sent: quality from a `judge-quality=<n>` marker in it, else
 * 0.9; `non_answer` when it holds `judge-non-answer`).
 * `stream: true` chat requests get SSE chunks 100 ms apart.
 * GET /ns/<name>/__calls counts the calls; GET /ns/<name>/__last is the last call's body and Authorization.
 */
export type FakeMode = "ok" | "down" | "slow" | "malformed" | "redirect" | "unauthorized" | "echo" | "tools" | "judge";

/** The tool calls the `tools` mode answers with. */
export const FAKE_TOOL_CALLS = [
  { id: "call_weather_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } },
  { id: "call_time_2", type: "function", function: { name: "get_time", arguments: '{"timezone":"Europe/Paris"}' } },
] as const;

/** The SSE chunks of a streamed `tools` answer: per call, one chunk with id and name, then its arguments in pieces. */
function toolCallChunks(): unknown[] {
  const chunk = (delta: unknown, finish: string | null = null) => ({
    id: "c2",
    object: "chat.completion.chunk",
    model: "fake-model",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const chunks: unknown[] = [chunk({ role: "assistant", content: null })];
  for (const [index, call] of FAKE_TOOL_CALLS.entries()) {
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }));
    for (const piece of call.function.arguments.match(/.{1,7}/gs)!) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  }
  chunks.push(chunk({}, "tool_calls"));
  chunks.push({ id: "c2", object: "chat.completion.chunk", model: "fake-model", choices: [], usage: { prompt_tokens: 40, completion_tokens: 9 } });
  return chunks;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

function hashVector(text: string, dimension: number): number[] {
  const v = new Array<number>(dimension).fill(0);
  for (const word of text.toLowerCase().split(/\W+/).filter(Boolean)) {
    let h = 7;
    for (const ch of word) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    v[h % dimension]! += 1;
  }
  return v;
}

export async function startFakeAiServer(): Promise<{ url: string; server: Server }> {
  const modes = new Map<string, FakeMode>();
  const calls = new Map<string, number>();
  const lastCalls = new Map<string, { body: string; authorization: string | null }>();
  const server = createServer(async (req, res) => {
    const m = /^\/ns\/([a-z0-9-]+)(\/.*)$/.exec(req.url ?? "");
    const ns = m?.[1] ?? "default";
    const path = m?.[2] ?? req.url ?? "/";
    const body = await readBody(req);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (path === "/__mode" && req.method === "POST") {
      modes.set(ns, (JSON.parse(body) as { mode: FakeMode }).mode);
      return json(200, { ns, mode: modes.get(ns) });
    }
    if (path === "/__calls") return json(200, { calls: calls.get(ns) ?? 0 });
    if (path === "/__last") return json(200, lastCalls.get(ns) ?? null);
    calls.set(ns, (calls.get(ns) ?? 0) + 1);
    lastCalls.set(ns, { body, authorization: req.headers.authorization ?? null });
    const mode = modes.get(ns) ?? "ok";
    if (mode === "unauthorized") {
      const key = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      res.writeHead(401, { "Content-Type": "application/json", "X-RateLimit-Debug": `key=${key}`, "X-Upstream-Secret": key });
      return void res.end(
        JSON.stringify({
          error: {
            message: `Incorrect API key provided: ${key}. Sent as ${encodeURIComponent(key)}, basic ${Buffer.from(`user:${key}`).toString("base64")}, hex ${Buffer.from(key).toString("hex")}. Debug: password=hunter2hunter2`,
            type: "invalid_request_error",
            code: "invalid_api_key",
          },
        }),
      );
    }
    if (mode === "down") return json(500, { error: { message: "model crashed", type: "server_error" } });
    if (mode === "slow") return void setTimeout(() => json(200, {}), 5000);
    if (mode === "redirect") {
      res.writeHead(302, { Location: "http://198.51.100.7/steal" });
      return void res.end();
    }
    if (path === "/v1/models") return json(200, { object: "list", data: [{ id: "fake-model", object: "model" }] });
    if (path === "/v1/embeddings" && req.method === "POST") {
      const { input, model } = JSON.parse(body) as { input: string[]; model: string };
      const dimension = Number(/-(\d+)$/.exec(model)?.[1] ?? 16);
      return json(200, { object: "list", model, data: input.map((t, index) => ({ object: "embedding", index, embedding: hashVector(t, dimension) })) });
    }
    if (path === "/v1/chat/completions" && req.method === "POST" && mode === "judge") {
      const request = JSON.parse(body) as { messages: { role: string; content: string }[] };
      const { answer = "" } = JSON.parse(request.messages.at(-1)!.content) as { answer?: string };
      const nonAnswer = answer.includes("judge-non-answer");
      const quality = Number(/judge-quality=([0-9.]+)/.exec(answer)?.[1] ?? (nonAnswer ? 0.05 : 0.9));
      const content = JSON.stringify({ quality, non_answer: nonAnswer, reason: nonAnswer ? "fake judge: no answer" : `fake judge: quality ${quality}` });
      return json(200, {
        id: "chatcmpl-3",
        object: "chat.completion",
        model: "fake-judge",
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
      });
    }
    if (path === "/v1/chat/completions" && req.method === "POST" && mode === "tools") {
      if ((JSON.parse(body) as { stream?: boolean }).stream) {
        res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
        // Chunk boundaries are the network's to choose; the collector's own test splits them every 5 characters.
        for (const chunk of toolCallChunks()) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        res.write("data: [DONE]\n\n");
        return void res.end();
      }
      return json(200, {
        id: "chatcmpl-2",
        object: "chat.completion",
        model: "fake-model",
        choices: [{ index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: null, refusal: null, tool_calls: FAKE_TOOL_CALLS } }],
        usage: { prompt_tokens: 40, completion_tokens: 9 },
      });
    }
    if (path === "/v1/chat/completions" && req.method === "POST" && (JSON.parse(body) as { stream?: boolean }).stream) {
      const echoed = () => (JSON.parse(body) as { messages: { content: string }[] }).messages.at(-1)!.content.match(/.{1,8}/gs)!;
      const pieces = mode === "echo" ? echoed() : ["Use ", "logrotate ", "with ", "copytruncate", "."];
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
      for (const [i, piece] of pieces.entries()) {
        res.write(
          `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "fake-model", choices: [{ index: 0, delta: { content: piece } }] })}\n\n`,
        );
        await new Promise((r) => setTimeout(r, 100));
        if (i === pieces.length - 1) {
          res.write(
            `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "fake-model", choices: [], usage: { prompt_tokens: 12, completion_tokens: 5 } })}\n\n`,
          );
        }
      }
      res.write("data: [DONE]\n\n");
      return void res.end();
    }
    if (path === "/v1/chat/completions" && req.method === "POST") {
      const request = JSON.parse(body) as { messages: { role: string; content: string }[] };
      const last = request.messages.at(-1)!.content;
      let facts: { query?: string; response?: string };
      try {
        facts = JSON.parse(last) as { query?: string; response?: string };
      } catch {
        facts = { query: last };
      }
      const content =
        mode === "echo"
          ? last
          : mode === "malformed"
            ? "Sure! Here is the pattern: {problem: oops"
            : JSON.stringify({
                problem: `LLM: ${facts.query ?? "unknown problem"}`,
                approach: facts.response ?? "unknown",
                steps: ["understand", "apply"],
                skills: ["llm-extracted"],
                lesson: `Generalised: ${facts.query ?? ""}`,
              });
      return json(200, {
        id: "chatcmpl-1",
        object: "chat.completion",
        model: "fake-model",
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
      });
    }
    json(404, { error: { message: `no route ${path}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("fake AI server has no address");
  server.unref();
  return { url: `http://127.0.0.1:${address.port}`, server };
}

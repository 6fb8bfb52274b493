import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

const ok = (content: unknown) => JSON.stringify({ id: "c", object: "chat.completion", model: "stub", choices: [{ index: 0, message: { role: "assistant", content } }], usage: { prompt_tokens: 3, completion_tokens: 2 } });

/** HTTP 200 answers no real upstream should give; `fuzz-answer-<n>` picks one. Malformed is the point. */
const BAD_ANSWERS: readonly string[] = [
  "not json",
  "null",
  '{"choices":null}',
  '{"choices":[null]}',
  '{"choices":[{"message":null}]}',
  '{"choices":[{"message":{"content":5}}]}',
  ok("fine").replace('"usage":{"prompt_tokens":3,"completion_tokens":2}', '"usage":"x"'),
  ok("fine").replace('"prompt_tokens":3,"completion_tokens":2', '"prompt_tokens":"x","completion_tokens":-1'),
  ok("fine").replace('"prompt_tokens":3', '"prompt_tokens":1e309'),
  ok("fine").replace('"model":"stub"', '"model":{}'),
  ok("fine").replace('"model":"stub"', `"model":"${"m".repeat(10_000)}"`),
  "[]",
  "",
  ok("x".repeat(1_000_000)),
  ok("fine").replace('"content":"fine"', '"content":"\\ud800 lone"'),
  ok("fine").replace('"prompt_tokens":3', '"prompt_tokens":1.5'),
];

/** SSE streams that break the format: truncated JSON, null chunks, no [DONE], no trailing newline. */
const BAD_STREAMS: readonly string[] = [
  "data: {\n\n",
  "data: null\n\ndata: [DONE]\n\n",
  'data: {"choices":[null]}\n\ndata: [DONE]\n\n',
  'data: {"choices":[{"delta":null}]}\n\n',
  'data: {"usage":"x"}\n\ndata: {"usage":{"prompt_tokens":"x"}}\n\n',
  'data: {"model":5,"choices":[{"delta":{"content":5}}]}\n\n',
  'data: {"choices":[{"delta":{"content":"cut',
  "event: x\nid: 1\nretry: abc\n\n",
  `data: {"choices":[{"delta":{"content":"${"y".repeat(200_000)}"}}]}\n\n`,
  "\n\n\n",
  'data: {"choices":[{"delta":{"content":"\\ud800"}}]}\n\ndata: [DONE]\n\n',
  "data: [DONE]\n\ndata: {\n\n",
];

/**
 * The `local` upstream of the fuzz run: answers every OpenAI-style call, never
 * trusting the body it gets (the proxy forwards what the caller sent). A
 * chat request with `model: "fuzz-answer-<n>"` gets the n-th malformed answer
 * (streamed when `stream: true`); anything else gets a plain valid answer.
 */
export async function startFuzzUpstream(): Promise<{ url: string; calls: () => number; stop: () => Promise<void> }> {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      calls++;
      let request: { model?: unknown; stream?: unknown } = {};
      try {
        const parsed = JSON.parse(body) as unknown;
        if (typeof parsed === "object" && parsed !== null) request = parsed as typeof request;
      } catch {
        // The proxy only forwards JSON, but nothing here relies on it.
      }
      const n = typeof request.model === "string" ? /^fuzz-answer-(\d+)$/.exec(request.model)?.[1] : undefined;
      if (req.url === "/v1/chat/completions" && request.stream === true) {
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        res.end(n === undefined ? `data: ${JSON.stringify({ choices: [{ delta: { content: "ok" } }] })}\n\ndata: [DONE]\n\n` : BAD_STREAMS[Number(n) % BAD_STREAMS.length]);
        return;
      }
      if (req.url === "/v1/chat/completions") {
        res.writeHead(200, { "Content-Type": "application/json" }).end(n === undefined ? ok("ok") : BAD_ANSWERS[Number(n) % BAD_ANSWERS.length]);
        return;
      }
      if (req.url === "/v1/completions") {
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ choices: [{ text: "ok" }], usage: { prompt_tokens: 1, completion_tokens: 1 } }));
        return;
      }
      if (req.url === "/v1/embeddings") {
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ index: 0, embedding: [0.1, 0.2, 0.3] }] }));
        return;
      }
      res.writeHead(404, { "Content-Type": "application/json" }).end('{"error":{"message":"no such route"}}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => calls,
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

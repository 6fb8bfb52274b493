import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

/**
 * An OpenAI-compatible upstream for the proxy whose answers carry canaries the
 * request did not: a chat request with `model: "answer-<n>"` gets `answers[n]`
 * as its completion, streamed as SSE (cut into small deltas, so the canary is
 * split across chunks) when the request says `stream: true`. Any other model is
 * answered "ok".
 *
 * @example
 * const upstream = await startCanaryUpstream(["the key is AKIA…"]);
 * // PROXY_UPSTREAMS: `canary=${upstream.url}/v1`
 */
export async function startCanaryUpstream(answers: readonly string[]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.url !== "/v1/chat/completions" || req.method !== "POST") {
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
      return;
    }
    const request = JSON.parse(body) as { model?: string; stream?: boolean };
    const n = /^answer-(\d+)$/.exec(request.model ?? "")?.[1];
    const content = n === undefined ? "ok" : (answers[Number(n)] ?? "ok");
    const usage = { prompt_tokens: 300, completion_tokens: 300 };
    if (request.stream) {
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
      for (let i = 0; i < content.length; i += 7) {
        const delta = { content: content.slice(i, i + 7) };
        res.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", model: request.model, choices: [{ index: 0, delta }] })}\n\n`);
      }
      res.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", model: request.model, choices: [], usage })}\n\n`);
      res.end("data: [DONE]\n\n");
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" }).end(
      JSON.stringify({
        id: "c",
        object: "chat.completion",
        model: request.model,
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
        usage,
      }),
    );
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

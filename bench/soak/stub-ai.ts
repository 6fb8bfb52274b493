import { createServer, type Server } from "node:http";

/**
 * A stand-in OpenAI-compatible server (/v1/models, /v1/embeddings,
 * /v1/chat/completions) on a fixed port that can be stopped (connections
 * refused, kept-alive ones cut) and started again on the same port.
 */
export class StubAi {
  private server: Server | undefined;
  calls = 0;

  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        this.calls++;
        const json = (value: unknown) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(value));
        if (req.url === "/v1/models") return json({ object: "list", data: [{ id: "stub", object: "model" }] });
        if (req.url === "/v1/embeddings") {
          const { input, dimensions } = JSON.parse(body) as { input: string[]; dimensions?: number };
          const dim = dimensions ?? STUB_DIMENSION;
          return json({ object: "list", data: input.map((text, index) => ({ object: "embedding", index, embedding: embed(text, dim) })) });
        }
        if (req.url === "/v1/chat/completions") {
          const request = JSON.parse(body) as { messages: { content: string }[] };
          const facts = JSON.parse(request.messages.at(-1)!.content) as { query?: string; response?: string };
          const content = JSON.stringify({
            problem: `stub: ${(facts.query ?? "a problem").slice(0, 200)}`,
            approach: (facts.response ?? "an approach").slice(0, 300),
            steps: ["read", "apply"],
            skills: ["stub-llm"],
            lesson: "generalised by the stub",
          });
          return json({ id: "c", object: "chat.completion", choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }] });
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((ok) => this.server!.listen(this.port, "127.0.0.1", ok));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    });
  }
}

export const STUB_DIMENSION = 64;

function embed(text: string, dim: number): number[] {
  const v = new Array<number>(dim).fill(0);
  for (const word of text.toLowerCase().split(/\W+/).filter(Boolean)) {
    let h = 7;
    for (const ch of word) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    v[h % dim]! += 1;
  }
  v[0]! += 0.001;
  return v;
}

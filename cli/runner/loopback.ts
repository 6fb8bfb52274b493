import { createServer, type IncomingMessage } from "node:http";

export interface Loopback {
  port: number;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(""));
  });
}

/** The text of a reduced error as Miniflare's workers send it to /core/error ({ name, message, stack }), or the body itself. */
export function errorText(json: string): string {
  try {
    const e = JSON.parse(json) as { name?: unknown; message?: unknown; stack?: unknown };
    if (typeof e.stack === "string" && e.stack !== "") return e.stack;
    if (typeof e.message === "string") return `${typeof e.name === "string" ? e.name : "Error"}: ${e.message}`;
  } catch {
    // Not JSON.
  }
  return json;
}

/**
 * What workerd's config calls the `loopback` service: Miniflare's Node side,
 * which the runner no longer runs. With Gleaner's bindings (D1, R2, queues,
 * cache, rate limits) the config's workers only call two paths of it:
 * `/core/log` (the queue broker logs every batch there and awaits the answer;
 * Miniflare drops those lines at the runner's log level) and `/core/error` (an
 * uncaught exception: Miniflare would render it; here it is answered as plain
 * text with status 500). Anything else (browser rendering, custom Node
 * services, the dev registry) Gleaner's config does not use: 404.
 */
export async function startLoopback(): Promise<Loopback> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "POST" && path === "/core/log") {
      req.resume().on("end", () => res.writeHead(204).end());
    } else if (req.method === "POST" && path === "/core/error") {
      void body(req).then((text) => res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end(errorText(text)));
    } else {
      req.resume();
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end(`the runner's loopback does not serve ${req.method} ${path}`);
    }
  });
  // workerd keeps its connections to the loopback alive and reuses them. Node's default closes an idle one after
  // 5 s, and a request workerd writes on it at that moment fails. The queue broker's flush awaits its /core/log
  // request and, when that fails, never schedules another: the queue stops delivering for good. So the loopback
  // never closes an idle connection (workerd closes its own), and sets no request deadline.
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

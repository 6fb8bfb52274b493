import { createServer, type Server } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { startProcess, tempDataDir, waitFor, type GleanerProcess } from "./gleaner-process";
import { freePort, stopGleaner } from "./ops-helpers";

interface Readiness {
  status: string;
  checks: Record<string, { status: string; reason: string }>;
}

/** A stand-in for an OpenAI-compatible embeddings server: only `GET /v1/models`. */
function fakeModelsServer(): Server {
  return createServer((req, res) => {
    if (req.method === "GET" && req.url === "/v1/models") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: "fake-embedder", object: "model", owned_by: "test" }] }));
    } else {
      res.writeHead(404).end();
    }
  });
}

const listen = (server: Server, port: number) => new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
const close = (server: Server) =>
  new Promise<void>((r) => {
    server.close(() => r());
    // Drop the keep-alive connections workerd holds, or the dependency stays reachable.
    server.closeAllConnections();
  });

async function readiness(base: string): Promise<Readiness> {
  return (await fetch(`${base}/readyz`)).json() as Promise<Readiness>;
}

/** Polls /readyz until the embeddings check has `status`. */
const readinessWhen = (base: string, status: string) =>
  waitFor(async () => {
    const r = await readiness(base);
    return r.checks.dependency_embeddings?.status === status ? r : undefined;
  }, 20_000);

describe("GET /readyz with a configured embeddings server", () => {
  let gleaner: GleanerProcess | undefined;
  let fake: Server | undefined;
  afterAll(async () => {
    await stopGleaner(gleaner);
    if (fake?.listening) await close(fake);
  });

  it("is ok while the dependency answers, degraded with a reason while it is down, and ok again when it returns", async () => {
    const port = await freePort();
    fake = fakeModelsServer();
    await listen(fake, port);
    gleaner = await startProcess(tempDataDir(), { EMBEDDINGS_URL: `http://127.0.0.1:${port}` });

    const first = await readiness(gleaner.base);
    expect(first.checks.dependency_embeddings?.status, "the runner must pass EMBEDDINGS_URL to the worker").not.toBe("unconfigured");
    const up = await readinessWhen(gleaner.base, "ok");
    expect(up.status).toBe("ok");
    expect(up.checks.dependency_embeddings?.reason).toMatch(/answered 200/);
    expect(up.checks.dependency_llm?.status).toBe("unconfigured");

    await close(fake);
    const down = await readinessWhen(gleaner.base, "degraded");
    expect(down.status).toBe("degraded");
    expect(down.checks.dependency_embeddings?.reason).toMatch(/unreachable|no answer within/);
    const res = await fetch(`${gleaner.base}/readyz`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();

    fake = fakeModelsServer();
    await listen(fake, port);
    const back = await readinessWhen(gleaner.base, "ok");
    expect(back.status).toBe("ok");
  });
});

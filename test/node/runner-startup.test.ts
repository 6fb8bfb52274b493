import { chmodSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN, startProcess, stopStartedProcesses, tempDataDir } from "./gleaner-process";

afterEach(stopStartedProcesses);

/** A port that was free a moment ago, so a test can poll it before the process says where it listens. */
function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer().once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

describe("npm start, from the moment the process starts", () => {
  it("answers no request with a 500 while it starts: a script creating a key right away gets its key", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const statuses: number[] = [];
    const errors: string[] = [];
    let listening = false;
    let created = false;
    const poll = (async () => {
      // Poll as fast as connections are refused, until the banner is out and one key was made.
      while (!(listening && created)) {
        try {
          const res = await fetch(`${base}/v1/admin/projects/early-bird/keys`, { method: "POST", headers: ADMIN });
          statuses.push(res.status);
          const body = await res.text();
          if (res.status >= 500) errors.push(`${res.status} ${body}`);
          if (res.status === 201) created = true;
        } catch {
          await new Promise((r) => setImmediate(r));
        }
      }
    })();
    const gleaner = await startProcess(tempDataDir(), { PORT: String(port) });
    listening = true;
    await poll;
    expect(gleaner.base).toBe(base);
    expect(errors).toEqual([]);
    expect(statuses).toContain(201);
  });

  it("keeps its data dir private: the dir 0700 (tightened if it was open) and every file in it 0600", async () => {
    const dataDir = tempDataDir();
    chmodSync(dataDir, 0o755);
    // No GLEANER_ADMIN_TOKEN: the runner writes admin-token into the data dir.
    const gleaner = await startProcess(dataDir, { GLEANER_ADMIN_TOKEN: "" });
    expect((await fetch(`${gleaner.base}/healthz`)).status).toBe(200);
    const entries = readdirSync(dataDir, { recursive: true }).map(String);
    expect(entries).toContain("admin-token");
    expect(entries.some((e) => e.endsWith(".sqlite"))).toBe(true);
    const open = [".", ...entries]
      .map((e) => ({ path: e, mode: statSync(join(dataDir, e)).mode & 0o777 }))
      .filter((f) => (f.mode & 0o077) !== 0)
      .map((f) => `${f.path} ${f.mode.toString(8)}`);
    expect(open).toEqual([]);
  });
});

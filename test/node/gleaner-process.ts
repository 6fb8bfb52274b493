import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const PROJECT_DIR = resolve(import.meta.dirname, "../..");

export interface GleanerProcess {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<number | null>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), "gleaner-test-"));
}

/** Starts `npm start`'s entry point in its own process group on a free port and waits for its URL. */
export async function startProcess(dataDir: string, env: Record<string, string> = {}): Promise<GleanerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "cli/start.ts"], {
    cwd: PROJECT_DIR,
    env: { ...process.env, PORT: "0", GLEANER_DATA_DIR: dataDir, GLEANER_ADMIN_TOKEN: "node-test-admin-token", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  const base = await new Promise<string>((ok, fail) => {
    const timer = setInterval(() => {
      const m = /Gleaner listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearInterval(timer);
        ok(m[1]!);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      fail(new Error(`gleaner exited (${code}) before listening:\n${out}`));
    });
  });
  return { child, base, output: () => out, exited };
}

/** kill -9 of the whole process group: the Node runner and its workerd. */
export function crash(p: GleanerProcess): Promise<number | null> {
  process.kill(-p.child.pid!, "SIGKILL");
  return p.exited;
}

export const ADMIN = { Authorization: "Bearer node-test-admin-token", "Content-Type": "application/json" };

export async function createKey(base: string, project: string): Promise<string> {
  const res = await fetch(`${base}/v1/admin/projects/${project}/keys`, { method: "POST", headers: ADMIN });
  if (res.status !== 201) throw new Error(`key creation: ${res.status}`);
  return ((await res.json()) as { key: string }).key;
}

export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 200));
  }
}

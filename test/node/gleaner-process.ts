import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { waitForListening } from "../support/wait-for-listening";

export const PROJECT_DIR = resolve(import.meta.dirname, "../..");

export interface GleanerProcess {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Every process a test started and that has not exited yet. */
const running = new Set<GleanerProcess>();

/**
 * Kills (SIGKILL, whole process group) every started process still running.
 * test/node/setup.ts calls it after each file, so a failing test never leaves a
 * workerd behind; tests that start a process per test call it in afterEach.
 */
export async function stopStartedProcesses(): Promise<void> {
  const left = [...running];
  for (const p of left) {
    try {
      process.kill(-p.child.pid!, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  await Promise.all(left.map((p) => p.exited));
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
  const handle: GleanerProcess = { child, base: "", output: () => out, exited: undefined as unknown as Promise<number | null> };
  running.add(handle);
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) =>
    child.on("close", (code) => {
      running.delete(handle);
      r(code);
    }),
  );
  handle.exited = exited;
  const base = await waitForListening(() => out, exited, 50);
  handle.base = base;
  return handle;
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

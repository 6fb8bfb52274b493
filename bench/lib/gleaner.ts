import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { treeRssMb } from "./proc";
import { waitForListening } from "../../test/support/wait-for-listening";

export const PROJECT_DIR = resolve(import.meta.dirname, "../..");
/** Vars that raise the backlog budget out of reach, so backpressure's 429s never cut an ingest or import figure short. */
export const UNTHROTTLED = { BACKPRESSURE_MAX_BACKLOG_EVENTS: "100000000", BACKPRESSURE_MAX_LAG_SECONDS: "100000" };

export const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
export const ADMIN = { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" };

export interface Gleaner {
  pid: number;
  base: string;
  dataDir: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

const made: string[] = [];

/** A new directory under the system temp dir, removed by removeTempDirs(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir() made (a 1M-event data dir is gigabytes). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * The node arguments of `npm start` (package.json's start script, `node <flags> scripts/start.mjs`), so every figure
 * is taken from the process a user runs: the same V8 flags, the same prebuilt runner, no tsx in the tree.
 */
function npmStartArgs(): string[] {
  const script = (JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  const [command, ...args] = script.trim().split(/\s+/);
  if (command !== "node") throw new Error(`package.json's start script does not run node: ${script}`);
  return args;
}

let defaultEntry: string[] | undefined;

/**
 * Makes every later start run bench/profile/variant.ts with these wrangler.toml
 * edits instead of cli/start.ts (`npm run bench -- --variant='s/from/to/'`).
 */
export function useVariant(edits: string[]): void {
  defaultEntry = ["--import", "tsx", "bench/profile/variant.ts", ...edits];
}

/**
 * Starts Gleaner exactly as `npm start` does (the same node flags and scripts/start.mjs: the prebuilt runner,
 * migrations, crons, startup relay) in its own process group on 127.0.0.1 and a
 * free port. `vars` are environment variables: any wrangler [vars] name overrides it.
 * `entry` (run with tsx) replaces it, as useVariant does.
 */
export async function startGleaner(dataDir: string, vars: Record<string, string> = {}, entry?: string[]): Promise<Gleaner> {
  const args = entry ? ["--import", "tsx", ...entry] : (defaultEntry ?? npmStartArgs());
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_DIR,
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", GLEANER_DATA_DIR: dataDir, GLEANER_ADMIN_TOKEN: ADMIN_TOKEN, ...vars },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (d: Buffer) => {
    out += d;
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  // Diagnosis: BENCH_LOG_DIR=<dir> keeps each instance's whole output in <dir>/gleaner-<pid>.log.
  if (process.env.BENCH_LOG_DIR) {
    const file = createWriteStream(join(process.env.BENCH_LOG_DIR, `gleaner-${child.pid}.log`));
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
  }
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  const base = await waitForListening(() => out, exited);
  return { pid: child.pid!, base, dataDir, child, exited, output: () => out };
}

/** kill -9 of the runner's process group: the Node runner and its workerd. */
export async function killHard(g: Gleaner): Promise<void> {
  try {
    process.kill(-g.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
  await g.exited;
}

/** Ctrl-C: the runner disposes Miniflare and exits 0. Falls back to kill -9 after `graceMs`. */
export async function stopGleaner(g: Gleaner, graceMs = 15_000): Promise<number | null> {
  try {
    process.kill(g.pid, "SIGINT");
  } catch {
    return g.exited;
  }
  const timer = setTimeout(() => void killHard(g), graceMs);
  const code = await g.exited;
  clearTimeout(timer);
  return code;
}

/** Peak RSS (MB) of the runner's process tree, sampled every `everyMs` until stopped. */
export function sampleRss(g: Gleaner, everyMs = 250): { stop(): number; peak(): number } {
  let peak = 0;
  const tick = () => (peak = Math.max(peak, treeRssMb(g.pid)));
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return peak;
    },
    peak: () => peak,
  };
}

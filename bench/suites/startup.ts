import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { sleep } from "../lib/client";
import { PROJECT_DIR, tempDir } from "../lib/gleaner";
import { processTree, rssMb } from "../lib/proc";
import { waitForListening } from "../../test/support/wait-for-listening";

export interface StartRun {
  /** From spawning the command to its "Gleaner listening on" line. */
  startupS: number;
  /** Summed RSS of the whole process tree after `idleS` seconds of idling. */
  idleTreeMb: number;
  /** RSS per process of the tree, e.g. "npm 54", "node 131", "workerd 92". */
  processes: string[];
}

export interface StartupFigure {
  command: string;
  idleS: number;
  /** The first start after the bench began (may rebuild node_modules/.cache/gleaner): not in the medians. */
  first: StartRun;
  runs: StartRun[];
  startupS: number;
  idleTreeMb: number;
  /** The runtime's floor in the same run: plain node + Miniflare serving an empty worker (no npm, no bundle, no D1). */
  floor: StartRun;
}

const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
const FLOOR_SCRIPT = `import { Miniflare } from "miniflare";
const mf = new Miniflare({ modules: true, script: "export default { fetch() { return new Response('ok'); } }", host: "127.0.0.1", port: 0 });
console.log("Gleaner listening on " + (await mf.ready).origin);
process.on("SIGINT", () => void mf.dispose().then(() => process.exit(0)));`;

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Starts `command` in its own process group (fresh data dir), times the banner, idles, sums the tree's RSS, Ctrl-C. */
async function oneStart(command: string, args: string[], idleS: number): Promise<StartRun> {
  const t0 = performance.now();
  const child = spawn(command, args, {
    cwd: PROJECT_DIR,
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", GLEANER_DATA_DIR: tempDir("gleaner-bench-startup-"), GLEANER_ADMIN_TOKEN: ADMIN_TOKEN },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("close", r));
  try {
    const base = await waitForListening(() => out, exited, 10);
    const startupS = (performance.now() - t0) / 1000;
    const health = await fetch(`${base}/healthz`);
    await health.arrayBuffer();
    await sleep(idleS * 1000);
    const tree = processTree(child.pid!).map((pid) => ({ name: comm(pid), mb: rssMb(pid) }));
    return { startupS, idleTreeMb: tree.reduce((s, p) => s + p.mb, 0), processes: tree.map((p) => `${p.name} ${p.mb.toFixed(0)}`) };
  } finally {
    try {
      process.kill(-child.pid!, "SIGINT");
    } catch {
      // Gone.
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // Gone.
      }
    }, 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * `npm start` exactly as a user runs it (npm the parent, then whatever the
 * start script runs), each time on a fresh data dir (every migration applied
 * before the port answers): start-up seconds to the banner, and the summed RSS
 * of the whole tree (npm, node, workerd, anything else) after `idleS` s idle.
 * One start first, outside the medians (it may rebuild the cached bundles),
 * then `runs` measured starts; the floor is plain node + Miniflare with an
 * empty worker, started and measured the same way.
 */
export async function measureStartup(runs = 3, idleS = 5): Promise<StartupFigure> {
  const first = await oneStart("npm", ["start"], idleS);
  const measured: StartRun[] = [];
  for (let i = 0; i < runs; i++) measured.push(await oneStart("npm", ["start"], idleS));
  const floor = await oneStart(process.execPath, ["--input-type=module", "-e", FLOOR_SCRIPT], idleS);
  return {
    command: "npm start",
    idleS,
    first,
    runs: measured,
    startupS: median(measured.map((r) => r.startupS)),
    idleTreeMb: median(measured.map((r) => r.idleTreeMb)),
    floor,
  };
}

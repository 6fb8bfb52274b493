import { waitForListening } from "../../test/support/wait-for-listening";
import { spawn } from "node:child_process";
import { PROJECT_DIR } from "../lib/gleaner";

/** Starts bench/baseline/bare-d1-server.ts (the bare D1 worker on Gleaner's runner) with its D1 under `dir`. */
export async function startBareD1(dir: string): Promise<{ base: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/baseline/bare-d1-server.ts", dir], {
    cwd: PROJECT_DIR,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => child.on("close", () => r()));
  const base = await waitForListening(() => out, exited, 25, { pattern: /listening on (http:\/\/\S+)/, name: "bare D1 worker" });
  return {
    base,
    pid: child.pid!,
    async stop() {
      child.kill("SIGTERM");
      const killer = setTimeout(() => {
        // workerd is Miniflare's child: end the whole group if the graceful stop hangs.
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {}
      }, 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

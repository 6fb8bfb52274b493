import { waitForListening } from "../../test/support/wait-for-listening";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { PROJECT_DIR } from "./gleaner";

/** Starts bench/baseline/node-sqlite-server.ts on a free port with its database in `dir`. */
export async function startBaseline(dir: string): Promise<{ base: string; pid: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "bench/baseline/node-sqlite-server.ts", join(dir, "baseline.sqlite")], {
    cwd: PROJECT_DIR,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => child.on("close", () => r()));
  const base = await waitForListening(() => out, exited, 25, { pattern: /listening on (http:\/\/\S+)/, name: "baseline" });
  return {
    base,
    pid: child.pid!,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

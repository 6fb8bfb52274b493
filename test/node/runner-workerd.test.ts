import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { CONTROL_SCHEDULED_PATH } from "../../cli/runner/control-worker";
import { errorText, startLoopback } from "../../cli/runner/loopback";
import { type RunningGleaner, startGleaner, type WorkerCalls } from "../../cli/runner/server";
import { resolveSettings } from "../../cli/runner/settings";
import { workerdArgs } from "../../cli/runner/workerd";
import { readV8Flags, withV8Flags } from "../../cli/runner/v8-flags";
import { PROJECT_DIR, startProcess, stopStartedProcesses, tempDataDir, waitFor } from "./gleaner-process";

let gleaner: RunningGleaner | undefined;
afterEach(async () => {
  await gleaner?.stop();
  gleaner = undefined;
  await stopStartedProcesses();
});

/** Pids of the processes whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Alive and not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function hasSetpriv(): boolean {
  try {
    execFileSync("setpriv", ["--help"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("the runner's workerd plumbing", () => {
  it("replaces Miniflare's loopback and points directories elsewhere, config still from stdin", () => {
    const args = workerdArgs(
      {
        command: "workerd",
        args: ["serve", "--binary", "--experimental", "--socket-addr=entry=127.0.0.1:0", "--external-addr=loopback=127.0.0.1:41234", "--control-fd=3", "-"],
        config: new Uint8Array(),
      },
      { loopbackPort: 5555, directories: { "d1:storage": "/data/d1" } },
    );
    expect(args).toEqual([
      "serve",
      "--binary",
      "--experimental",
      "--socket-addr=entry=127.0.0.1:0",
      "--control-fd=3",
      "--external-addr=loopback=127.0.0.1:5555",
      "--directory-path=d1:storage=/data/d1",
      "-",
    ]);
  });

  it("answers the loopback paths the config's workers call: /core/log 204, /core/error a plain 500, nothing else", async () => {
    const loopback = await startLoopback();
    try {
      const at = (path: string, body: string) => fetch(`http://127.0.0.1:${loopback.port}${path}`, { method: "POST", body });
      expect((await at("/core/log", "QUEUE gleaner-telemetry 10/10 (3ms)")).status).toBe(204);
      const error = await at("/core/error", JSON.stringify({ name: "TypeError", message: "boom", stack: "TypeError: boom\n    at x" }));
      expect([error.status, await error.text()]).toEqual([500, "TypeError: boom\n    at x"]);
      expect((await at("/browser/launch", "")).status).toBe(404);
    } finally {
      await loopback.close();
    }
    expect(errorText('{"name":"Error","message":"no stack"}')).toBe("Error: no stack");
    expect(errorText("not json")).toBe("not json");
  });

  it("keeps an idle connection open past Node's 5 s default, so the queue broker's next /core/log never meets a closed socket", async () => {
    const loopback = await startLoopback();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = () =>
      new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: loopback.port, path: "/core/log", method: "POST", agent }, (res) => {
          res.resume().on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
        });
        req.on("error", reject);
        req.end("QUEUE gleaner-extract 10/10 (60ms)");
      });
    const closed = new Promise<void>((resolve) => agent.on("free", (socket) => socket.once("close", () => resolve())));
    try {
      expect(await post()).toEqual({ status: 204, reused: false });
      // The condition is idleness itself: Node's default (keepAliveTimeout 5 s) would have closed the socket by now.
      const outcome = await Promise.race([closed.then(() => "closed"), new Promise((r) => setTimeout(r, 6_000, "open"))]);
      expect(outcome).toBe("open");
      expect(await post()).toEqual({ status: 204, reused: true });
    } finally {
      agent.destroy();
      await loopback.close();
    }
  }, 15_000);

  it("sets GLEANER_V8_FLAGS in the compiled config: read back as written, never twice, and a workerd given them serves", async () => {
    // A config message as Miniflare writes one: one segment, the root Config struct (1 data word, 6 pointers), all null.
    const config = new Uint8Array(8 + 8 * 8);
    const view = new DataView(config.buffer);
    view.setUint32(4, 8, true);
    view.setUint32(8 + 4, 1 | (6 << 16), true);
    view.setUint32(16, 0xc0ffee, true);
    const { config: patched, patched: done } = withV8Flags(config, ["--max-semi-space-size=1", "--stack-size=900"]);
    expect(done).toBe(true);
    expect(readV8Flags(patched)).toEqual(["--max-semi-space-size=1", "--stack-size=900"]);
    expect(new DataView(patched.buffer).getUint32(16, true)).toBe(0xc0ffee);
    expect(withV8Flags(patched, ["--expose-gc"]).patched).toBe(false);
    expect(readV8Flags(config)).toEqual([]);

    expect(() => resolveSettings(PROJECT_DIR, { GLEANER_DATA_DIR: tempDataDir(), GLEANER_V8_FLAGS: "--ok rm -rf" }, [])).toThrow(/'rm'/);
    const started = await startProcess(tempDataDir(), { GLEANER_V8_FLAGS: "--max-semi-space-size=1" });
    expect(started.output()).toContain("V8 flags:    --max-semi-space-size=1");
    expect((await fetch(`${started.base}/healthz`)).status).toBe(200);
  }, 60_000);

  it("fires crons and the relay through a control socket that refuses requests without the per-start secret", async () => {
    const settings = resolveSettings(PROJECT_DIR, { PORT: "0", GLEANER_DATA_DIR: tempDataDir(), GLEANER_ADMIN_TOKEN: "workerd-admin-token" }, []);
    let real: WorkerCalls | undefined;
    let control = "";
    gleaner = await startGleaner(PROJECT_DIR, settings, {
      interceptCalls: (calls) => {
        real = calls;
        return {
          ...calls,
          fetch: (url, init) => {
            control = url.origin;
            return calls.fetch(url, init);
          },
        };
      },
    });
    expect(await gleaner.relayed).toBe(true);
    expect(await real!.scheduled("* * * * *")).toEqual({ outcome: "ok" });

    // The control socket is its own loopback port, and useless without the secret.
    expect(new URL(control).hostname).toBe("127.0.0.1");
    expect(new URL(control).port).not.toBe(gleaner.url.port);
    expect((await fetch(`${control}${CONTROL_SCHEDULED_PATH}?cron=*+*+*+*+*`, { method: "POST" })).status).toBe(403);
    const viaControl = await fetch(`${control}/v1/admin/projects/sneaky/keys`, { method: "POST", headers: { Authorization: `Bearer ${settings.adminToken}` } });
    expect(viaControl.status).toBe(403);

    // Gleaner's own port has no trigger path: crons fire only from the runner.
    const trigger = await fetch(new URL("/cdn-cgi/handler/scheduled?cron=*+*+*+*+*", gleaner.url));
    await trigger.arrayBuffer();
    expect(trigger.status).toBe(404);
  });

  it.skipIf(process.platform !== "linux" || !hasSetpriv())(
    "takes workerd along when the runner alone is killed with SIGKILL: nothing keeps the port",
    async () => {
      const started = await startProcess(tempDataDir());
      const [workerd] = childrenOf(started.child.pid!).filter((pid) => readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd");
      expect(workerd).toBeDefined();
      process.kill(started.child.pid!, "SIGKILL");
      await started.exited;
      await waitFor(async () => (running(workerd!) ? undefined : true), 10_000);
      await expect(fetch(`${started.base}/healthz`)).rejects.toThrow();
      expect(existsSync(`/proc/${started.child.pid}`) && running(started.child.pid!)).toBe(false);
    },
  );
});

import { type ChildProcess, spawn } from "node:child_process";
import { withV8Flags } from "./v8-flags";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { CompiledWorkerd } from "./compiler";

export interface WorkerdOptions {
  /** Port of the runner's loopback server (cli/runner/loopback.ts), which replaces Miniflare's in the config. */
  loopbackPort: number;
  /** V8 flags for every isolate (set in the config: workerd takes none on its command line). */
  v8Flags?: readonly string[];
  /** Disk directories of the config to point elsewhere (`--directory-path`), by service name. */
  directories?: Record<string, string>;
  /** Sockets that must be listening before the start resolves ("entry", "direct:1:default", …). */
  sockets: string[];
}

export interface RunningWorkerd {
  pid: number;
  /** The port each socket of the config listens on, as workerd reported it. */
  ports: Map<string, number>;
  /** Settles when workerd exits, however it ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once workerd is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Thrown when workerd ends before every socket listens (a bad config, a port in use): its own message is in its output. */
export class WorkerdStartError extends Error {}

/** setpriv (util-linux) on PATH, to give workerd a parent-death signal; undefined elsewhere. */
function findSetpriv(): string | undefined {
  if (process.platform !== "linux") return undefined;
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(delimiter)) {
    const path = join(dir, "setpriv");
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not here.
    }
  }
  return undefined;
}
const setpriv = findSetpriv();

/** The compiled arguments with the loopback replaced and directories overridden; the config still comes from stdin (`-`, last). */
export function workerdArgs(compiled: CompiledWorkerd, options: Pick<WorkerdOptions, "loopbackPort" | "directories">): string[] {
  const args = compiled.args.filter((a) => !a.startsWith("--external-addr=loopback="));
  const stdin = args.lastIndexOf("-");
  const extra = [
    `--external-addr=loopback=127.0.0.1:${options.loopbackPort}`,
    ...Object.entries(options.directories ?? {}).map(([name, path]) => `--directory-path=${name}=${path}`),
  ];
  args.splice(stdin === -1 ? args.length : stdin, 0, ...extra);
  return args;
}

/**
 * Runs workerd with a config Miniflare compiled (cli/runner/compiler.ts) and
 * resolves once every socket in `options.sockets` listens, with their ports
 * (workerd reports them on its control pipe, fd 3, as it does to Miniflare).
 * Its output goes straight to the runner's stdout and stderr: no Node-side
 * copy of each log line. On Linux it runs under `setpriv --pdeathsig TERM`, so
 * a runner killed with SIGKILL on its own takes workerd along instead of
 * leaving it holding the port (Miniflare does not; a process-group kill gets
 * both either way).
 */
export async function startWorkerd(compiled: CompiledWorkerd, options: WorkerdOptions): Promise<RunningWorkerd> {
  const args = workerdArgs(compiled, options);
  let config = compiled.config;
  if (options.v8Flags?.length) {
    const withFlags = withV8Flags(compiled.config, options.v8Flags);
    if (!withFlags.patched) throw new Error("GLEANER_V8_FLAGS: this workerd config has a shape the runner cannot add V8 flags to; unset GLEANER_V8_FLAGS");
    config = withFlags.config;
  }
  const [command, argv] = setpriv ? [setpriv, ["--pdeathsig", "TERM", "--", compiled.command, ...args]] : [compiled.command, args];
  const child: ChildProcess = spawn(command, argv, {
    stdio: ["pipe", "inherit", "inherit", "pipe"],
    env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? "1" : "0") },
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: null, signal: null }));
  });
  let spawnError: Error | undefined;
  child.once("error", (err) => (spawnError = err));
  // A workerd that dies at once closes its stdin: its exit says why, not an EPIPE here.
  child.stdin?.on("error", () => undefined);
  child.stdin?.end(config);

  const control = child.stdio[3] as Readable;
  const ports = new Map<string, number>();
  const wanted = new Set(options.sockets);
  const lines = createInterface(control);
  const listening = new Promise<void>((resolve) => {
    lines.on("line", (line) => {
      try {
        const event = JSON.parse(line) as { event?: string; socket?: string; port?: number };
        if (event.event === "listen" && typeof event.socket === "string" && typeof event.port === "number") {
          ports.set(event.socket, event.port);
          wanted.delete(event.socket);
          if (wanted.size === 0) resolve();
        }
      } catch {
        // Not a control message.
      }
    });
    if (wanted.size === 0) resolve();
  });

  const stop = async (graceMs = 5_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
    lines.close();
  };

  const ended = await Promise.race([listening.then(() => undefined), exited]);
  if (ended !== undefined) {
    lines.close();
    const why = spawnError ? spawnError.message : `exited (${ended.signal ?? `code ${ended.code}`})`;
    throw new WorkerdStartError(`workerd ${why} before listening on ${[...wanted].join(", ")}; its error is above`);
  }
  return { pid: child.pid ?? 0, ports, exited, stop };
}

import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import type { MiniflareOptions } from "miniflare";

/** What Miniflare would run for a set of options: workerd's path, its arguments and its binary config (read from stdin, `-`). */
export interface CompiledWorkerd {
  command: string;
  args: string[];
  config: Uint8Array;
}

export interface ConfigCompiler {
  /** Miniflare's workerd command line and config for `options`; requests are answered in order. */
  compile(options: MiniflareOptions): Promise<CompiledWorkerd>;
  /** Lets the compiler process go, and resolves once it has exited. */
  close(): Promise<void>;
}

type Reply = { id: number; error: string } | ({ id: number; error?: undefined } & CompiledWorkerd);

/**
 * Forks cli/runner/compile-config.mjs, a plain node process that imports
 * Miniflare at once (most of a start's time) and turns Miniflare options into
 * workerd configs on request. The runner itself never imports Miniflare.
 */
export function startConfigCompiler(projectDir: string): ConfigCompiler {
  const child: ChildProcess = fork(join(projectDir, "cli/runner/compile-config.mjs"), [], {
    // Plain node: no tsx loader and none of npm start's memory flags (the compiler is gone before the banner).
    execArgv: [],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map<number, { ok(c: CompiledWorkerd): void; fail(e: Error): void }>();
  let nextId = 0;
  let gone: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    const end = (err: Error) => {
      gone ??= err;
      for (const w of waiting.values()) w.fail(gone);
      waiting.clear();
      resolve();
    };
    child.once("exit", (code, signal) =>
      end(new Error(`the workerd config compiler (cli/runner/compile-config.mjs) exited (${signal ?? code}) before it answered`)),
    );
    child.once("error", end);
  });
  child.on("message", (reply: Reply) => {
    const w = waiting.get(reply.id);
    if (!w) return;
    waiting.delete(reply.id);
    if (reply.error !== undefined) w.fail(new Error(`Miniflare could not build the workerd config: ${reply.error}`));
    else w.ok({ command: reply.command, args: reply.args, config: reply.config });
  });
  return {
    compile(options) {
      if (gone) return Promise.reject(gone);
      const id = nextId++;
      return new Promise<CompiledWorkerd>((ok, fail) => {
        waiting.set(id, { ok, fail });
        child.send({ id, options }, (err) => {
          if (err && waiting.delete(id)) fail(err);
        });
      });
    },
    async close() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

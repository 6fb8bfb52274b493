import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { MiniflareOptions } from "miniflare";
import { log } from "../../src/adapters/log";
import { bundleWorker, workerModules } from "./bundle";
import { startConfigCompiler } from "./compiler";
import { readWorkerConfig } from "./config";
import { CONTROL_SCHEDULED_PATH, CONTROL_SECRET_HEADER, CONTROL_SOCKET, CONTROL_WORKER } from "./control-worker";
import { scheduleCrons } from "./crons";
import { post } from "./http";
import { startLoopback } from "./loopback";
import { migrateBeforeServing } from "./migrate-first";
import { type BackoffOptions, CRON_DISPATCH_BACKOFF, INTERNAL_CALL_BACKOFF, retryWithBackoff } from "./retry";
import type { RunnerSettings } from "./settings";
import { startWorkerd, WorkerdStartError } from "./workerd";

/** How the runner calls its own worker: the start-up relay and every cron. */
export interface WorkerCalls {
  fetch(url: URL, init: { method: "POST"; headers: Record<string, string>; body: string }): Promise<{ ok: boolean; status: number; text(): Promise<string> }>;
  scheduled(cron: string): Promise<{ outcome: string }>;
}

export interface StartOptions {
  /** Wraps the runner's calls to its worker: the seam through which tests make them fail. */
  interceptCalls?: (calls: WorkerCalls) => WorkerCalls;
  /** Backoff of the start-up relay; INTERNAL_CALL_BACKOFF unless a test wants it quicker. */
  relayBackoff?: BackoffOptions;
}

export interface RunningGleaner {
  url: URL;
  migrationsApplied: string[];
  crons: string[];
  /** Settles once the start-up relay succeeded (true) or gave up (false); it never rejects. */
  relayed: Promise<boolean>;
  /** Settles when workerd exits: after stop(), or on its own (a crash). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Where the runner itself reaches a socket bound to `host` (Miniflare's maybeGetLocallyAccessibleHost); undefined: not directly. */
function locallyAccessible(host: string): string | undefined {
  if (host === "localhost") return "localhost";
  if (host === "127.0.0.1" || host === "*" || host === "0.0.0.0" || host === "::") return "127.0.0.1";
  if (host === "::1") return "[::1]";
  return undefined;
}

/** True when nothing else holds `host:port` (probed after workerd could not bind it, to say why). */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once("error", (err: NodeJS.ErrnoException) => resolve(err.code !== "EADDRINUSE"))
      .listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/**
 * Starts Gleaner on local workerd: pending migrations applied first, then the
 * worker as wrangler.toml declares it with D1, R2 and the cache persisted in
 * the data dir, crons fired on schedule, and a relay run at once (the
 * in-memory queue starts empty, so every unfinished chunk needs a new
 * message). A failed relay or cron dispatch is logged and retried with
 * backoff; it never ends the runner.
 *
 * Miniflare only builds the configs, in a child process that exits before
 * this resolves (cli/runner/compiler.ts); the runner runs workerd itself
 * (cli/runner/workerd.ts), answers the config's loopback service
 * (cli/runner/loopback.ts), and reaches its worker through a control worker
 * on a private socket (cli/runner/control-worker.ts). The idle runner is a
 * bare node process, not Miniflare's Node side.
 */
export async function startGleaner(projectDir: string, settings: RunnerSettings, options: StartOptions = {}): Promise<RunningGleaner> {
  // First, so Miniflare loads in the compiler while this process reads the config and migrates.
  const compiler = startConfigCompiler(projectDir);
  const cleanups: (() => Promise<void>)[] = [() => compiler.close()];
  try {
    const { workerOptions, crons, main, name } = readWorkerConfig(join(projectDir, "wrangler.toml"));
    const persist = { d1: join(settings.dataDir, "d1"), r2: join(settings.dataDir, "r2"), cache: join(settings.dataDir, "cache") };
    for (const dir of Object.values(persist)) mkdirSync(dir, { recursive: true });
    const loopback = await startLoopback();
    cleanups.push(() => loopback.close());

    const migrating = migrateBeforeServing({
      projectDir,
      compiler,
      d1Databases: workerOptions.d1Databases,
      compatibilityDate: workerOptions.compatibilityDate,
      d1Persist: persist.d1,
      migrationsDir: join(projectDir, "migrations"),
      loopbackPort: loopback.port,
    });
    const secret = randomBytes(32).toString("base64url");
    const compiling = bundleWorker(main).then((bundled) =>
      compiler.compile({
        host: settings.host,
        port: settings.port,
        d1Persist: persist.d1,
        r2Persist: persist.r2,
        cachePersist: persist.cache,
        workers: [
          {
            ...workerOptions,
            name,
            // Given as a module, not a script: Miniflare would otherwise parse the whole bundle to look for imports.
            modules: workerModules(main.replace(/\.[cm]?tsx?$/, ".js"), bundled),
            modulesRoot: projectDir,
            bindings: { ...(workerOptions.bindings ?? {}), ...settings.vars, GLEANER_ADMIN_TOKEN: settings.adminToken },
          },
          {
            name: `${name}-runner-control`,
            modules: [{ type: "ESModule", path: join(projectDir, "cli/runner/control-worker.js"), contents: CONTROL_WORKER }],
            modulesRoot: projectDir,
            compatibilityDate: workerOptions.compatibilityDate,
            compatibilityFlags: ["service_binding_extra_handlers"],
            cache: false,
            serviceBindings: { GLEANER: name },
            bindings: { RUNNER_SECRET: secret },
            unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
          },
        ],
      } satisfies MiniflareOptions),
    );
    // Both run to the end before anything is reported, so neither rejects unobserved.
    const [migrated, compiled] = await Promise.allSettled([migrating, compiling]);
    if (migrated.status === "rejected") throw migrated.reason;
    if (compiled.status === "rejected") throw compiled.reason;
    const migrationsApplied = migrated.value;
    const closing = compiler.close();

    const accessible = locallyAccessible(settings.host);
    const sockets = ["entry", CONTROL_SOCKET, ...(accessible ? [] : ["entry:local"])];
    const workerd = await startWorkerd(compiled.value, { loopbackPort: loopback.port, sockets, v8Flags: settings.v8Flags }).catch(async (err: unknown) => {
      if (err instanceof WorkerdStartError && settings.port !== 0 && !(await portFree(settings.host, settings.port)))
        throw new Error(`${settings.host}:${settings.port} is already in use (another Gleaner?): stop it or set PORT to another port`);
      throw err;
    });
    cleanups.push(() => workerd.stop());
    await closing;
    const url = accessible ? new URL(`http://${accessible}:${workerd.ports.get("entry")}`) : new URL(`http://127.0.0.1:${workerd.ports.get("entry:local")}`);
    const control = new URL(`http://127.0.0.1:${workerd.ports.get(CONTROL_SOCKET)}`);

    const realCalls: WorkerCalls = {
      fetch: (target, init) => post(target, { ...init.headers, [CONTROL_SECRET_HEADER]: secret }, init.body),
      async scheduled(cron) {
        const target = new URL(CONTROL_SCHEDULED_PATH, control);
        target.searchParams.set("cron", cron);
        const res = await post(target, { [CONTROL_SECRET_HEADER]: secret }, "");
        const text = await res.text();
        if (!res.ok) throw new Error(`the control worker answered ${res.status}: ${text.slice(0, 200)}`);
        return JSON.parse(text) as { outcome: string };
      },
    };
    const calls = options.interceptCalls ? options.interceptCalls(realCalls) : realCalls;
    const stopping = new AbortController();

    const cronHandle = scheduleCrons(crons, async (cron) => {
      await retryWithBackoff(
        `cron '${cron}' dispatch`,
        async () => {
          // An exception inside the job is the job's own failure (it records it); only a failed call is retried.
          const { outcome } = await calls.scheduled(cron);
          if (outcome !== "ok") log("error", "cron job failed", { cron, outcome });
        },
        { ...CRON_DISPATCH_BACKOFF, signal: stopping.signal },
      );
    });

    const relayed = retryWithBackoff(
      "start-up relay",
      async () => {
        const res = await calls.fetch(new URL("/v1/admin/jobs/relay/run", control), {
          method: "POST",
          headers: { Authorization: `Bearer ${settings.adminToken}`, "Content-Type": "application/json", "X-Gleaner-Actor": "runner" },
          body: JSON.stringify({ older_than_seconds: 0 }),
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`POST /v1/admin/jobs/relay/run answered ${res.status}: ${text.slice(0, 200)}`);
      },
      { ...(options.relayBackoff ?? INTERNAL_CALL_BACKOFF), signal: stopping.signal },
    );

    return {
      url,
      migrationsApplied,
      crons,
      relayed,
      exited: workerd.exited,
      async stop() {
        stopping.abort();
        cronHandle.stop();
        await workerd.stop();
        await loopback.close();
      },
    };
  } catch (err) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw err;
  }
}

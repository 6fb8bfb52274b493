import { join } from "node:path";
import { Miniflare, type WorkerOptions } from "miniflare";
import { log } from "../../src/adapters/log";
import { bundleWorker } from "./bundle";
import { readWorkerConfig } from "./config";
import { scheduleCrons } from "./crons";
import { applyMigrations } from "./migrations";
import { type BackoffOptions, CRON_DISPATCH_BACKOFF, INTERNAL_CALL_BACKOFF, retryWithBackoff } from "./retry";
import type { RunnerSettings } from "./settings";

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
  stop(): Promise<void>;
}

/**
 * Applies pending migrations through a Miniflare that binds the D1 database
 * alone, on a loopback port nobody is told about, before the worker starts:
 * nothing answers on Gleaner's port while its tables do not exist yet.
 */
async function migrateBeforeServing(d1Databases: WorkerOptions["d1Databases"], d1Persist: string, dir: string): Promise<string[]> {
  const mf = new Miniflare({ modules: true, script: "export default {};", d1Databases, d1Persist, host: "127.0.0.1", port: 0 });
  try {
    return await applyMigrations(await mf.getD1Database("DB"), dir);
  } finally {
    await mf.dispose();
  }
}

/**
 * Starts Gleaner on local workerd through Miniflare's Node API: pending
 * migrations applied first, then the worker as wrangler.toml declares it with
 * D1 persisted in the data dir, crons fired on schedule, and a relay run at
 * once (the in-memory queue starts empty, so every unfinished chunk needs a
 * new message). A failed relay or cron dispatch is logged and retried with
 * backoff; it never ends the runner.
 */
export async function startGleaner(projectDir: string, settings: RunnerSettings, options: StartOptions = {}): Promise<RunningGleaner> {
  const configPath = join(projectDir, "wrangler.toml");
  const { workerOptions, crons, main, name } = readWorkerConfig(configPath);
  const d1Persist = join(settings.dataDir, "d1");
  const [script, migrationsApplied] = await Promise.all([
    bundleWorker(main),
    migrateBeforeServing(workerOptions.d1Databases, d1Persist, join(projectDir, "migrations")),
  ]);

  const mf = new Miniflare({
    ...workerOptions,
    name,
    modules: true,
    script,
    scriptPath: main.replace(/\.[cm]?tsx?$/, ".js"),
    bindings: {
      ...(workerOptions.bindings ?? {}),
      ...settings.vars,
      GLEANER_ADMIN_TOKEN: settings.adminToken,
    },
    host: settings.host,
    port: settings.port,
    d1Persist,
    r2Persist: join(settings.dataDir, "r2"),
    cachePersist: join(settings.dataDir, "cache"),
    log: undefined,
  });
  const url = await mf.ready;
  const worker = await mf.getWorker();
  const realCalls: WorkerCalls = {
    fetch: (target, init) => mf.dispatchFetch(target, init),
    scheduled: (cron) => worker.scheduled({ cron, scheduledTime: new Date() }),
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
      const res = await calls.fetch(new URL("/v1/admin/jobs/relay/run", url), {
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
    async stop() {
      stopping.abort();
      cronHandle.stop();
      await mf.dispose();
    },
  };
}

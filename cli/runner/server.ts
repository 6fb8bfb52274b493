import { join } from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { bundleWorker } from "./bundle";
import { scheduleCrons } from "./crons";
import { applyMigrations } from "./migrations";
import type { RunnerSettings } from "./settings";

export interface RunningGleaner {
  url: URL;
  migrationsApplied: string[];
  crons: string[];
  stop(): Promise<void>;
}

/**
 * Starts Gleaner on local workerd through Miniflare's Node API: the worker as
 * wrangler.toml declares it, D1 persisted in the data dir, pending migrations
 * applied, crons fired on schedule, and a relay run at once (the in-memory
 * queue starts empty, so every unfinished chunk needs a new message).
 */
export async function startGleaner(projectDir: string, settings: RunnerSettings): Promise<RunningGleaner> {
  const configPath = join(projectDir, "wrangler.toml");
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  const crons = unstable_readConfig({ config: configPath }).triggers.crons ?? [];
  const script = await bundleWorker(join(projectDir, "src/index.ts"));

  const mf = new Miniflare({
    ...workerOptions,
    name: "gleaner",
    modules: true,
    script,
    scriptPath: join(projectDir, "src/index.js"),
    bindings: {
      ...(workerOptions.bindings ?? {}),
      ...settings.vars,
      GLEANER_ADMIN_TOKEN: settings.adminToken,
    },
    host: settings.host,
    port: settings.port,
    d1Persist: join(settings.dataDir, "d1"),
    r2Persist: join(settings.dataDir, "r2"),
    cachePersist: join(settings.dataDir, "cache"),
    log: undefined,
  });
  const url = await mf.ready;
  const migrationsApplied = await applyMigrations(await mf.getD1Database("DB"), join(projectDir, "migrations"));
  const worker = await mf.getWorker();
  const cronHandle = scheduleCrons(crons, async (cron) => {
    await worker.scheduled({ cron, scheduledTime: new Date() });
  });

  const relay = await mf.dispatchFetch(new URL("/v1/admin/jobs/relay/run", url), {
    method: "POST",
    headers: { Authorization: `Bearer ${settings.adminToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ older_than_seconds: 0 }),
  });
  if (!relay.ok) console.warn(`startup relay failed: ${relay.status} ${await relay.text()}`);
  else await relay.arrayBuffer();

  return {
    url,
    migrationsApplied,
    crons,
    async stop() {
      cronHandle.stop();
      await mf.dispose();
    },
  };
}

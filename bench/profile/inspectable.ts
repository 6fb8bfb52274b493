import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { bundleWorker, workerModules } from "../../cli/runner/bundle";
import { applyMigrations } from "../../cli/runner/migrations";
import { PROJECT_DIR, ADMIN_TOKEN } from "../lib/gleaner";

export interface InspectableOptions {
  dataDir: string;
  /** Opens workerd's V8 inspector on this port (for CPU profiles). */
  inspectorPort?: number;
  /** Another wrangler.toml (an edited copy), to measure a configuration change. */
  configPath?: string;
  vars?: Record<string, string>;
}

/**
 * The worker as `npm start` runs it (same bundle, bindings, D1 persistence and
 * migrations), without crons, optionally with the inspector open or another
 * wrangler.toml. For diagnosis, not for the benchmark figures.
 */
export async function startInspectable(o: InspectableOptions) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(o.configPath ?? join(PROJECT_DIR, "wrangler.toml"));
  const bundled = await bundleWorker(join(PROJECT_DIR, "src/index.ts"));
  const mf = new Miniflare({
    ...workerOptions,
    name: "gleaner",
    modules: workerModules(join(PROJECT_DIR, "src/index.js"), bundled),
    modulesRoot: PROJECT_DIR,
    bindings: { ...(workerOptions.bindings ?? {}), ...o.vars, GLEANER_ADMIN_TOKEN: ADMIN_TOKEN },
    host: "127.0.0.1",
    port: 0,
    ...(o.inspectorPort ? { inspectorPort: o.inspectorPort } : {}),
    d1Persist: join(o.dataDir, "d1"),
    r2Persist: join(o.dataDir, "r2"),
    log: undefined,
  });
  const url = await mf.ready;
  await applyMigrations(await mf.getD1Database("DB"), join(PROJECT_DIR, "migrations"));
  return { mf, base: url.origin };
}

/**
 * A copy of wrangler.toml in `dir` with every `[[queues.consumers]]` table taken out, for `configPath`: the worker
 * then accepts and enqueues as usual, but nothing scores or extracts (a measure of ingest with the thread to itself).
 */
export function withoutConsumers(dir: string): string {
  const path = join(dir, "wrangler.no-consumers.toml");
  writeFileSync(path, readFileSync(join(PROJECT_DIR, "wrangler.toml"), "utf8").replace(/\[\[queues\.consumers\]\][^[]*/g, ""));
  return path;
}

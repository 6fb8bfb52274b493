/**
 * The bare D1 worker (bench/baseline/bare-d1-worker.js) on the runner Gleaner
 * uses: Miniflare's Node API on local workerd, the D1 binding read from
 * wrangler.toml by the runner's own reader, D1 persisted under `<dir>/d1`,
 * and every one of Gleaner's migrations applied first by the runner's own
 * `applyMigrations` (so `events` has the same schema, indexes and FTS
 * triggers). Prints "listening on <url>".
 *
 * Usage: tsx bench/baseline/bare-d1-server.ts <data dir>
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Miniflare } from "miniflare";
import { readWorkerConfig } from "../../cli/runner/config";
import { applyMigrations } from "../../cli/runner/migrations";

const projectDir = resolve(import.meta.dirname, "../..");
const dataDir = process.argv[2] ?? ".";
const { workerOptions } = readWorkerConfig(join(projectDir, "wrangler.toml"));
const d1Persist = join(dataDir, "d1");
const d1Databases = workerOptions.d1Databases;

const migrator = new Miniflare({ modules: true, script: "export default {};", d1Databases, d1Persist, host: "127.0.0.1", port: 0 });
try {
  await applyMigrations(await migrator.getD1Database("DB"), join(projectDir, "migrations"));
} finally {
  await migrator.dispose();
}

const mf = new Miniflare({
  name: "bare-d1",
  modules: true,
  script: readFileSync(join(import.meta.dirname, "bare-d1-worker.js"), "utf8"),
  scriptPath: join(import.meta.dirname, "bare-d1-worker.js"),
  compatibilityDate: workerOptions.compatibilityDate,
  compatibilityFlags: workerOptions.compatibilityFlags,
  d1Databases,
  d1Persist,
  host: "127.0.0.1",
  port: 0,
});
const url = await mf.ready;
console.log(`listening on ${url.origin}`);
const stop = () => void mf.dispose().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

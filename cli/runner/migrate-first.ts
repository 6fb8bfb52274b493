import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { MiniflareOptions, WorkerOptions } from "miniflare";
import { log } from "../../src/adapters/log";
import { cacheDir, stamp } from "./bundle";
import type { CompiledWorkerd, ConfigCompiler } from "./compiler";
import { post } from "./http";
import { MIGRATE_WORKER, type Migration, readMigrations } from "./migrations";
import { describeError } from "./retry";
import { startWorkerd, WorkerdStartError } from "./workerd";

/** Miniflare's disk service for D1 storage (D1_STORAGE_SERVICE_NAME); `--directory-path` points it at the data dir. */
const D1_STORAGE = "d1:storage";

export interface MigrateFirstOptions {
  projectDir: string;
  compiler: ConfigCompiler;
  d1Databases: WorkerOptions["d1Databases"];
  compatibilityDate: string | undefined;
  /** The data dir's d1 folder, as the serving worker persists it. */
  d1Persist: string;
  migrationsDir: string;
  loopbackPort: number;
}

/** The short-lived migration worker: D1 bound as wrangler.toml binds it, nothing else (no cache, no public port). */
function migrateOptions(o: MigrateFirstOptions): MiniflareOptions {
  return {
    modules: [{ type: "ESModule", path: join(o.projectDir, "cli/runner/migrate-worker.js"), contents: MIGRATE_WORKER }],
    modulesRoot: o.projectDir,
    compatibilityDate: o.compatibilityDate,
    cache: false,
    d1Databases: o.d1Databases,
    d1Persist: o.d1Persist,
    host: "127.0.0.1",
    port: 0,
  };
}

/**
 * The config holds no secret and no per-start value but the D1 path (given
 * on the command line instead): it is kept in node_modules/.cache/gleaner,
 * keyed by the options and the installed Miniflare, so a start can migrate
 * while the compiler is still loading Miniflare.
 */
function cacheFiles(o: MigrateFirstOptions, options: MiniflareOptions): { meta: string; config: string } | undefined {
  const dir = cacheDir(o.projectDir);
  if (!dir) return undefined;
  let miniflare: string | null;
  try {
    miniflare = stamp(createRequire(join(o.projectDir, "package.json")).resolve("miniflare"));
  } catch {
    return undefined;
  }
  const { d1Persist: _perStart, ...rest } = options;
  const key = createHash("sha256").update(JSON.stringify({ miniflare, rest })).digest("hex").slice(0, 16);
  return { meta: join(dir, `migrate-${key}.json`), config: join(dir, `migrate-${key}.capnp`) };
}

function readCached(files: { meta: string; config: string }): CompiledWorkerd | undefined {
  try {
    const { command, args } = JSON.parse(readFileSync(files.meta, "utf8")) as { command: unknown; args: unknown };
    if (typeof command !== "string" || !Array.isArray(args) || !args.every((a) => typeof a === "string")) return undefined;
    return { command, args, config: readFileSync(files.config) };
  } catch {
    return undefined;
  }
}

function writeCached(files: { meta: string; config: string }, compiled: CompiledWorkerd): void {
  try {
    mkdirSync(join(files.meta, ".."), { recursive: true });
    // Config first, the JSON (which marks the entry usable) last; each written then renamed.
    writeFileSync(`${files.config}.${process.pid}.tmp`, compiled.config);
    renameSync(`${files.config}.${process.pid}.tmp`, files.config);
    writeFileSync(`${files.meta}.${process.pid}.tmp`, JSON.stringify({ command: compiled.command, args: compiled.args }));
    renameSync(`${files.meta}.${process.pid}.tmp`, files.meta);
  } catch {
    // A read-only node_modules: compile every start.
  }
}

/** Runs the migration worker, POSTs every migration to it, stops it; the names applied now. */
async function runMigrations(compiled: CompiledWorkerd, o: MigrateFirstOptions, migrations: Migration[]): Promise<string[]> {
  const workerd = await startWorkerd(compiled, { loopbackPort: o.loopbackPort, directories: { [D1_STORAGE]: o.d1Persist }, sockets: ["entry"] });
  try {
    const res = await post(new URL(`http://127.0.0.1:${workerd.ports.get("entry")}/`), { "Content-Type": "application/json" }, JSON.stringify(migrations));
    const text = await res.text();
    if (!res.ok) throw new Error(`migration ${text}`);
    return JSON.parse(text) as string[];
  } finally {
    await workerd.stop();
  }
}

/**
 * Applies pending migrations (cli/runner/migrations.ts, recorded in
 * d1_migrations as wrangler does) through a workerd that binds the D1
 * database alone, on a loopback port nobody is told about, before Gleaner's
 * own workerd starts: nothing answers on Gleaner's port while its tables do
 * not exist yet. With a cached config this runs while the compiler still
 * loads Miniflare; a cached config that no longer starts is compiled again.
 */
export async function migrateBeforeServing(o: MigrateFirstOptions): Promise<string[]> {
  const migrations = readMigrations(o.migrationsDir);
  const options = migrateOptions(o);
  const files = cacheFiles(o, options);
  const cached = files && readCached(files);
  if (files && cached) {
    try {
      return await runMigrations(cached, o, migrations);
    } catch (err) {
      if (!(err instanceof WorkerdStartError)) throw err;
      log("warn", "the cached migration config did not start; compiling it again", { reason: describeError(err) });
      rmSync(files.meta, { force: true });
    }
  }
  const compiled = await o.compiler.compile(options);
  const applied = await runMigrations(compiled, o, migrations);
  if (files) writeCached(files, compiled);
  return applied;
}

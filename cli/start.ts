import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readWorkerConfig } from "./runner/config";
import { type RunningGleaner, startGleaner } from "./runner/server";
import { type RunnerSettings, resolveSettings } from "./runner/settings";

// Before anything is written: the data dir, the admin token and workerd's D1
// files (workerd inherits the umask) are the user's alone, 0700 and 0600.
process.umask(0o077);

// Bundled by scripts/start.mjs, import.meta.url is still this file's (esbuild's `define`).
const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Optional settings and secrets wrangler.toml leaves unset; like its vars, taken from the environment or .dev.vars. */
const OPTIONAL_VARS = [
  "EMBEDDINGS_URL",
  "EMBEDDINGS_MODEL",
  "EMBEDDINGS_DIMENSION",
  "LLM_URL",
  "LLM_MODEL",
  "QDRANT_URL",
  "AI_API_KEY",
  "QDRANT_API_KEY",
  "METRICS_TOKEN",
  "PROXY_UPSTREAMS",
];
const varNames = [...new Set([...readWorkerConfig(resolve(projectDir, "wrangler.toml")).varNames, ...OPTIONAL_VARS])];
let settings: RunnerSettings;
try {
  settings = resolveSettings(projectDir, process.env, varNames);
} catch (err) {
  console.error(`Gleaner cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
let gleaner: RunningGleaner;
try {
  gleaner = await startGleaner(projectDir, settings);
} catch (err) {
  console.error(`Gleaner cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
const base = gleaner.url.origin;
const shown = relative(process.cwd(), settings.dataDir);
const dataDir = shown === "" ? "." : shown.startsWith("..") ? settings.dataDir : shown;
const token = settings.adminTokenSource === "generated" ? `$(cat ${dataDir}/admin-token)` : "$GLEANER_ADMIN_TOKEN";

// One write, so a reader watching the output never sees half a banner.
console.log(
  [
    `Gleaner listening on ${base}`,
    `  dashboard:   ${base}/`,
    `  API docs:    ${base}/docs`,
    `  state:       ${dataDir} (D1 on local disk)`,
    `  migrations:  ${gleaner.migrationsApplied.length ? gleaner.migrationsApplied.join(", ") : "up to date"}`,
    `  crons:       ${gleaner.crons.join(", ") || "none"}`,
    ...(settings.v8Flags.length ? [`  V8 flags:    ${settings.v8Flags.join(" ")} (GLEANER_V8_FLAGS)`] : []),
    `  admin token: ${settings.adminTokenSource === "generated" ? `${dataDir}/admin-token` : `from ${settings.adminTokenSource}`}`,
    "Get a project key:",
    `  curl -s -X POST -H "Authorization: Bearer ${token}" ${base}/v1/admin/projects/my-project/keys`,
    "Press Ctrl-C to stop.",
  ].join("\n"),
);

// Start-up garbage (the configs sent to workerd, the worker bundle, esbuild's output) would otherwise stay
// resident: npm start runs node with --expose-gc (package.json) so the idle runner gives it back.
const collect = (globalThis as { gc?: () => void }).gc;
if (collect) {
  collect();
  void gleaner.relayed.then(() => setTimeout(collect, 1000).unref());
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping Gleaner`);
  await gleaner.stop();
  console.log("stopped");
  process.exit(0);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void shutdown(signal));
// workerd ending on its own (a crash, a kill) leaves nothing to serve: say so and exit 1, so a supervisor
// restarts it. Ctrl-C reaches workerd too (same process group), so a signal of our own may follow: wait for it.
void gleaner.exited.then(({ code, signal }) =>
  setTimeout(() => {
    if (stopping) return;
    stopping = true;
    console.error(`Gleaner's workerd exited (${signal ?? `code ${code}`}); stopping`);
    void gleaner.stop().finally(() => process.exit(1));
  }, 500),
);

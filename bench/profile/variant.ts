/**
 * Runs the worker with an edited copy of wrangler.toml (the startup relay but
 * no crons), for measuring a configuration change before making it, e.g.
 *
 *   tsx bench/profile/variant.ts $'s/max_batch_timeout = 1/max_batch_timeout = 0.1/'
 *
 * Edits are literal `s/from/to/` replacements (every occurrence). Vars come
 * from the environment like `npm start`'s. Prints "Gleaner listening on <url>".
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unstable_readConfig } from "wrangler";
import { resolveSettings } from "../../cli/runner/settings";
import { ADMIN_TOKEN, PROJECT_DIR } from "../lib/gleaner";
import { startInspectable } from "./inspectable";

function applyEdits(text: string, edits: string[]): string {
  for (const edit of edits) {
    const m = /^s\/([^/]*)\/([^/]*)\/$/.exec(edit);
    if (!m) throw new Error(`edit must look like s/from/to/: ${edit}`);
    if (!text.includes(m[1]!)) throw new Error(`wrangler.toml has no '${m[1]}'`);
    text = text.replaceAll(m[1]!, m[2]!);
  }
  return text;
}

const settings = resolveSettings(PROJECT_DIR, process.env, []);
const configPath = join(settings.dataDir, "wrangler.variant.toml");
writeFileSync(configPath, applyEdits(readFileSync(join(PROJECT_DIR, "wrangler.toml"), "utf8"), process.argv.slice(2)));
const varNames = Object.keys(unstable_readConfig({ config: configPath }).vars ?? {});
const vars = Object.fromEntries(varNames.flatMap((n) => (process.env[n] !== undefined ? [[n, process.env[n]!]] : [])));
const { mf, base } = await startInspectable({ dataDir: settings.dataDir, configPath, vars });
// As npm start does: the in-memory queue starts empty, so relay every unfinished chunk at once.
const relay = await mf.dispatchFetch(`${base}/v1/admin/jobs/relay/run`, {
  method: "POST",
  headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
  body: JSON.stringify({ older_than_seconds: 0 }),
});
await relay.arrayBuffer();
console.log(`Gleaner listening on ${base}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => void mf.dispose().then(() => process.exit(0)));
}

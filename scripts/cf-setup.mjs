#!/usr/bin/env node
// `npm run cf:setup`: creates the Cloudflare resources wrangler.toml binds, one `npx wrangler …` at a time,
// and says what is left to do by hand (the D1 id in wrangler.toml, migrations, secrets, deploy).
// `npm run cf:setup -- --dry-run` prints the plan and runs nothing. Safe to run again: a resource that
// already exists is fine. The plan is derived from wrangler.toml (read with wrangler's own reader), so a
// queue, dead-letter queue or bucket added there is created here too.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(import.meta.dirname, "..");
const USAGE = "usage: npm run cf:setup [-- --dry-run] [-- --config <wrangler.toml>]";

/** Secrets the worker reads (src/env.ts): `required` ones make a feature answer 503 when unset. */
export const SECRETS = [
  { name: "GLEANER_ADMIN_TOKEN", required: true, why: "the admin token; admin routes answer 503 without it" },
  { name: "AI_API_KEY", required: false, why: "bearer key for LLM_URL and EMBEDDINGS_URL, when they need one" },
  { name: "QDRANT_API_KEY", required: false, why: "Qdrant API key, when QDRANT_URL is set and needs one" },
  { name: "METRICS_TOKEN", required: false, why: "when set, /metrics asks for it as a bearer token" },
];

/**
 * The set-up plan for a wrangler config (as `unstable_readConfig` returns it): one create step per D1
 * database, per queue (every producer and consumer queue and every dead_letter_queue, each once) and per
 * R2 bucket, plus what needs no creating (rate limiting namespaces, cron triggers) and the secrets.
 *
 * @example
 * planFrom(unstable_readConfig({ config: "wrangler.toml" })).steps.map((s) => s.args.join(" "))
 * // ["d1 create gleaner", "queues create gleaner-telemetry", …, "r2 bucket create gleaner-archive"]
 */
export function planFrom(config) {
  const steps = [];
  const seen = new Set();
  const step = (kind, name, args, note, extra = {}) => {
    if (!name || seen.has(`${kind}:${name}`)) return;
    seen.add(`${kind}:${name}`);
    steps.push({ kind, name, args, note, ...extra });
  };

  for (const db of config.d1_databases ?? []) {
    step("d1", db.database_name, ["d1", "create", db.database_name], `D1 database, binding ${db.binding}`, {
      binding: db.binding,
      configuredId: db.database_id,
    });
  }

  const roles = new Map();
  const role = (queue, what) => {
    if (!queue) return;
    if (!roles.has(queue)) roles.set(queue, []);
    if (!roles.get(queue).includes(what)) roles.get(queue).push(what);
  };
  for (const p of config.queues?.producers ?? []) role(p.queue, `producer ${p.binding}`);
  for (const c of config.queues?.consumers ?? []) {
    role(c.queue, "consumer");
    if (c.dead_letter_queue) role(c.dead_letter_queue, `dead-letter queue of ${c.queue}`);
  }
  for (const [queue, what] of roles)
    step("queue", queue, ["queues", "create", queue], `queue: ${what.join(", ")}`, { deadLetter: what.some((w) => w.startsWith("dead-letter")) });

  for (const b of config.r2_buckets ?? []) {
    const args = ["r2", "bucket", "create", b.bucket_name, ...(b.jurisdiction ? ["--jurisdiction", b.jurisdiction] : [])];
    step("r2", b.bucket_name, args, `R2 bucket, binding ${b.binding}`, { jurisdiction: b.jurisdiction });
  }

  const ratelimits = (config.ratelimits ?? []).map((r) => ({ name: r.name, namespaceId: String(r.namespace_id), simple: r.simple }));
  return { worker: config.name, steps, ratelimits, crons: config.triggers?.crons ?? [], secrets: SECRETS };
}

/** What to run to see whether a step's resource exists (output piped, so it stays quiet). */
function probeArgs(s) {
  if (s.kind === "d1") return ["d1", "info", s.name, "--json"];
  if (s.kind === "queue") return ["queues", "info", s.name];
  return ["r2", "bucket", "info", s.name, ...(s.jurisdiction ? ["--jurisdiction", s.jurisdiction] : [])];
}

const KIND = { d1: "D1 database", queue: "queue", r2: "R2 bucket" };
const command = (args, configArgs) => ["npx", "wrangler", ...args, ...configArgs].join(" ");

function printPlan(plan, configShown, configArgs) {
  const width = Math.max(...plan.steps.map((s) => command(s.args, configArgs).length));
  console.log(`Cloudflare resources ${configShown} binds (worker "${plan.worker}"):\n`);
  for (const s of plan.steps) console.log(`  ${command(s.args, configArgs).padEnd(width)}   # ${s.note}`);
  console.log("\nNothing to create for:");
  if (plan.ratelimits.length) {
    console.log(`  rate limiting namespaces: ${plan.ratelimits.map((r) => `${r.name} (namespace_id ${r.namespaceId})`).join(", ")}`);
    console.log("    no resource behind them: the limits ship with the Worker on deploy. Each namespace_id must be unique in the");
    console.log("    account: change it in wrangler.toml if another Worker of the account uses it");
  }
  if (plan.crons.length) console.log(`  cron triggers: ${plan.crons.map((c) => `"${c}"`).join(", ")} (wrangler deploy registers [triggers])`);
}

function printAfter(plan, configArgs, d1Ids) {
  console.log("\nThen:");
  let n = 1;
  for (const s of plan.steps.filter((s) => s.kind === "d1")) {
    const id = d1Ids.get(s.name);
    if (id && id === s.configuredId) console.log(`  ${n++}. wrangler.toml already has database_id = "${id}" for ${s.name}`);
    else if (id) console.log(`  ${n++}. in wrangler.toml, [[d1_databases]] binding = "${s.binding}": database_id = "${id}"`);
    else
      console.log(
        `  ${n++}. in wrangler.toml, [[d1_databases]] binding = "${s.binding}": set database_id to the id \`npx wrangler d1 create ${s.name}\` printed (or \`npx wrangler d1 info ${s.name}\` shows)`,
      );
    console.log(`  ${n++}. ${command(["d1", "migrations", "apply", s.binding, "--remote"], configArgs)}`);
  }
  for (const secret of plan.secrets) {
    console.log(`  ${n++}. ${command(["secret", "put", secret.name], configArgs)}${secret.required ? "" : "   (optional)"}   # ${secret.why}`);
  }
  console.log("     and one `npx wrangler secret put <NAME>` for each secret a PROXY_UPSTREAMS entry names (name=url|NAME)");
  console.log(`  ${n++}. npm run deploy`);
}

/** Runs `npx wrangler <args>`; stdio is inherited, so wrangler can ask to log in or pick an account. */
function wrangler(args) {
  const run = spawnSync("npx", ["wrangler", ...args], { cwd: root, stdio: "inherit" });
  if (run.error) throw new Error(`could not run npx: ${run.error.message}`);
  return run.status;
}

/** The same, output captured (for the existence probes and the D1 id). */
function wranglerQuiet(args) {
  const run = spawnSync("npx", ["wrangler", ...args], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return { status: run.status, stdout: run.stdout ?? "", stderr: run.stderr ?? "" };
}

function d1Id(name, configArgs) {
  const info = wranglerQuiet(["d1", "info", name, "--json", ...configArgs]);
  if (info.status !== 0) return null;
  return /"uuid"\s*:\s*"([0-9a-f-]{36})"/i.exec(info.stdout)?.[1] ?? null;
}

async function main(argv) {
  const args = [...argv];
  let dryRun = false;
  let configPath = resolve(root, "wrangler.toml");
  let configGiven = false;
  while (args.length) {
    const arg = args.shift();
    if (arg === "--dry-run") dryRun = true;
    else if (arg === "--config" || arg === "-c") {
      const value = args.shift();
      if (!value) return fail(`--config needs a path\n${USAGE}`);
      configPath = resolve(process.env.npm_lifecycle_event === "cf:setup" && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd(), value);
      configGiven = true;
    } else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      return 0;
    } else return fail(`unknown argument: ${arg}\n${USAGE}`);
  }
  if (!existsSync(configPath)) return fail(`no such file: ${configPath}\n${USAGE}`);

  let readConfig;
  try {
    ({ unstable_readConfig: readConfig } = await import("wrangler"));
  } catch {
    return fail("wrangler is not installed: run npm install first");
  }
  const plan = planFrom(readConfig({ config: configPath }));
  const configArgs = configGiven ? ["--config", configPath] : [];
  const configShown = relative(process.cwd(), configPath) || configPath;

  printPlan(plan, configShown, configArgs);
  if (dryRun) {
    printAfter(plan, configArgs, new Map());
    console.log("\n--dry-run: nothing was run.");
    return 0;
  }

  console.log(`\nCreating ${plan.steps.length} resources (npx wrangler, one at a time; "already exists" is fine):`);
  const d1Ids = new Map();
  for (const s of plan.steps) {
    console.log(`\n▶ ${command(s.args, configArgs)}`);
    const status = wrangler([...s.args, ...configArgs]);
    if (status === 0) console.log(`✔ created ${KIND[s.kind]} ${s.name}`);
    else if (wranglerQuiet([...probeArgs(s), ...configArgs]).status === 0) console.log(`✔ ${KIND[s.kind]} ${s.name} already exists: fine`);
    else {
      console.error(`\n✘ ${command(s.args, configArgs)} failed (exit ${status}) and ${s.name} does not exist.`);
      console.error("  Fix what wrangler said (not logged in? run npx wrangler login), then run npm run cf:setup again:");
      console.error("  what was created by then is reported as already there.");
      return 1;
    }
    if (s.kind === "d1") {
      const id = d1Id(s.name, configArgs);
      if (id) d1Ids.set(s.name, id);
    }
  }
  printAfter(plan, configArgs, d1Ids);
  return 0;
}

function fail(message) {
  console.error(message);
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

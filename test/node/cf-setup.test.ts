import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { PROJECT_DIR } from "./gleaner-process";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "gleaner-cf-setup-"));
  dirs.push(dir);
  return dir;
};

const D1_UUID = "6f1c2a4e-9b3d-4e7a-8c21-0d5f7b9a3e12";

/**
 * A stand-in `npx` first on PATH: records every call, answers `wrangler … create` (failing for
 * names in FAKE_EXISTING, or for all with FAKE_DENY), and `wrangler … info` (0 for an existing or
 * created name; `d1 info --json` prints a uuid). cf:setup never reaches Cloudflare in these tests.
 */
function fakeNpx(): { bin: string; log: string } {
  const bin = temp();
  const log = join(bin, "calls.jsonl");
  writeFileSync(
    join(bin, "npx"),
    `#!/usr/bin/env node
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + "\\n");
const calls = fs.readFileSync(${JSON.stringify(log)}, "utf8").trim().split("\\n").map((l) => JSON.parse(l));
const existing = (process.env.FAKE_EXISTING || "").split(",").filter(Boolean);
const w = args.slice(1);
const name = w[0] === "r2" ? w[3] : w[2];
const created = (n) => calls.some((c) => c.includes("create") && c.includes(n) && !existing.includes(n) && !process.env.FAKE_DENY);
if (w.includes("create")) {
  if (existing.includes(name)) { console.error("✘ [ERROR] " + name + " already exists"); process.exit(1); }
  if (process.env.FAKE_DENY) { console.error("✘ [ERROR] Not logged in."); process.exit(1); }
  console.log("✅ Created " + name); process.exit(0);
}
if (w.includes("info")) {
  if (!existing.includes(name) && !created(name)) { console.error("not found"); process.exit(1); }
  if (w[0] === "d1") console.log(JSON.stringify({ uuid: ${JSON.stringify(D1_UUID)}, name }));
  process.exit(0);
}
process.exit(3);
`,
  );
  chmodSync(join(bin, "npx"), 0o755);
  return { bin, log };
}

function cfSetup(args: string[], env: Record<string, string> = {}) {
  const npx = fakeNpx();
  const run = spawnSync(process.execPath, [join(PROJECT_DIR, "scripts/cf-setup.mjs"), ...args], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    env: { ...process.env, PATH: `${npx.bin}${delimiter}${process.env.PATH}`, ...env },
    timeout: 60_000,
  });
  const calls = existsSync(npx.log)
    ? readFileSync(npx.log, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as string[])
    : [];
  return { ...run, calls };
}

/** The parts of a wrangler config cf:setup reads (unstable_readConfig's type is loose here). */
interface Bindings {
  d1_databases: { binding: string; database_name: string }[];
  r2_buckets: { binding: string; bucket_name: string }[];
  queues: { producers?: { queue: string; binding: string }[]; consumers?: { queue: string; dead_letter_queue?: string }[] };
  ratelimits?: { name: string; namespace_id: string }[];
  triggers: { crons?: string[] };
}
const readBindings = (configPath: string) => unstable_readConfig({ config: configPath }) as unknown as Bindings;

/** Every queue wrangler.toml binds: producers, consumers and dead-letter queues, each once. */
function queuesOf(configPath: string): string[] {
  const { queues } = readBindings(configPath);
  const names = [...(queues.producers ?? []).map((p) => p.queue), ...(queues.consumers ?? []).flatMap((c) => [c.queue, c.dead_letter_queue ?? ""])].filter(
    Boolean,
  );
  return [...new Set(names)];
}

describe("npm run cf:setup", () => {
  it("--dry-run prints every queue and dead-letter queue of wrangler.toml, the D1 db, the bucket and the secrets, and runs nothing", () => {
    const run = cfSetup(["--dry-run"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([]);
    const config = readBindings(join(PROJECT_DIR, "wrangler.toml"));
    const queues = queuesOf(join(PROJECT_DIR, "wrangler.toml"));
    expect(queues).toEqual(expect.arrayContaining(["gleaner-telemetry", "gleaner-telemetry-dlq", "gleaner-extract", "gleaner-extract-dlq"]));
    for (const q of queues) {
      const lines = run.stdout
        .split("\n")
        .filter((l) => l.trim().startsWith(`npx wrangler queues create ${q} `) || l.trim() === `npx wrangler queues create ${q}`);
      expect(lines, `one create line for ${q}`).toHaveLength(1);
    }
    for (const db of config.d1_databases) expect(run.stdout).toContain(`npx wrangler d1 create ${db.database_name}`);
    for (const b of config.r2_buckets) expect(run.stdout).toContain(`npx wrangler r2 bucket create ${b.bucket_name}`);
    for (const r of config.ratelimits ?? []) expect(run.stdout).toContain(`${r.name} (namespace_id ${r.namespace_id})`);
    for (const c of config.triggers.crons ?? []) expect(run.stdout).toContain(`"${c}"`);
    expect(run.stdout).toContain("npx wrangler d1 migrations apply DB --remote");
    for (const s of ["GLEANER_ADMIN_TOKEN", "AI_API_KEY", "QDRANT_API_KEY", "METRICS_TOKEN"]) expect(run.stdout).toContain(`npx wrangler secret put ${s}`);
    expect(run.stdout).toContain("--dry-run: nothing was run.");
  });

  it("derives the plan from the config it is given: a new queue and its DLQ appear, a DLQ shared by two consumers once", () => {
    const dir = temp();
    const config = join(dir, "wrangler.toml");
    writeFileSync(
      config,
      `name = "other"
main = "src/index.ts"
compatibility_date = "2026-04-20"
[[d1_databases]]
binding = "DB"
database_name = "other-db"
database_id = "00000000-0000-4000-8000-000000000000"
[[r2_buckets]]
binding = "FILES"
bucket_name = "other-files"
[[queues.producers]]
binding = "A"
queue = "q-a"
[[queues.consumers]]
queue = "q-a"
dead_letter_queue = "q-shared-dlq"
[[queues.consumers]]
queue = "q-b"
dead_letter_queue = "q-shared-dlq"
`,
    );
    const run = cfSetup(["--dry-run", "--config", config]);
    expect(run.status).toBe(0);
    const creates = run.stdout
      .split("\n")
      .map((l) => /^\s+npx wrangler (\S+(?: bucket)? create \S+)/.exec(l)?.[1])
      .filter(Boolean);
    expect(creates).toEqual(["d1 create other-db", "queues create q-a", "queues create q-shared-dlq", "queues create q-b", "r2 bucket create other-files"]);
    expect(queuesOf(config).sort()).toEqual(["q-a", "q-b", "q-shared-dlq"]);
    expect(run.calls).toEqual([]);
  });

  it("runs each create with npx wrangler, takes 'already exists' as fine and prints the database_id for wrangler.toml", () => {
    const run = cfSetup([], { FAKE_EXISTING: "gleaner-extract,gleaner-archive" });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const creates = run.calls.filter((c) => c.includes("create")).map((c) => c.slice(1).join(" "));
    expect(creates).toEqual([
      "d1 create gleaner",
      ...queuesOf(join(PROJECT_DIR, "wrangler.toml")).map((q) => `queues create ${q}`),
      "r2 bucket create gleaner-archive",
    ]);
    expect(run.stdout).toContain("✔ created queue gleaner-telemetry");
    expect(run.stdout).toContain("✔ queue gleaner-extract already exists: fine");
    expect(run.stdout).toContain("✔ R2 bucket gleaner-archive already exists: fine");
    expect(run.stdout).toContain(`database_id = "${D1_UUID}"`);
  });

  it("stops at a create that failed for another reason, says how to go on, and exits 1", () => {
    const run = cfSetup([], { FAKE_DENY: "1" });
    expect(run.status).toBe(1);
    expect(run.calls.filter((c) => c.includes("create"))).toHaveLength(1);
    expect(run.stderr).toContain("npx wrangler d1 create gleaner failed");
    expect(run.stderr).toContain("run npm run cf:setup again");
  });

  it("docs/operations.md lists every resource wrangler.toml binds, every secret and cron, and the cf:setup flow", () => {
    const ops = readFileSync(join(PROJECT_DIR, "docs/operations.md"), "utf8");
    const section = ops.slice(ops.indexOf("## Cloudflare set-up"), ops.indexOf("\n## ", ops.indexOf("## Cloudflare set-up") + 1));
    expect(section.length).toBeGreaterThan(100);
    const config = readBindings(join(PROJECT_DIR, "wrangler.toml"));
    const names = [
      ...config.d1_databases.flatMap((d) => [d.database_name, d.binding]),
      ...queuesOf(join(PROJECT_DIR, "wrangler.toml")),
      ...(config.queues.producers ?? []).map((p) => p.binding),
      ...config.r2_buckets.flatMap((b) => [b.bucket_name, b.binding]),
      ...(config.ratelimits ?? []).flatMap((r) => [r.name, String(r.namespace_id)]),
      ...(config.triggers.crons ?? []),
      "GLEANER_ADMIN_TOKEN",
      "AI_API_KEY",
      "QDRANT_API_KEY",
      "METRICS_TOKEN",
      "PROXY_UPSTREAMS",
    ];
    for (const name of names) expect(section, `docs/operations.md's Cloudflare set-up lacks ${name}`).toContain(`\`${name}\``);
    expect(section).toContain("npm run cf:setup -- --dry-run");
    expect(section).toContain("npx wrangler d1 migrations apply DB --remote");
  });

  it("refuses an unknown argument with the usage, exit 2", () => {
    const run = cfSetup(["--dryrun"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("unknown argument: --dryrun");
    expect(run.stderr).toContain("usage: npm run cf:setup");
    expect(run.calls).toEqual([]);
  });
});

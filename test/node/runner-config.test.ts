import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// wrangler is imported here, in the test process, only: the runner reads wrangler.toml itself.
import { unstable_getMiniflareWorkerOptions, unstable_readConfig, unstable_splitSqlQuery } from "wrangler";
import { readWorkerConfig } from "../../cli/runner/config";
import { splitSqlQuery } from "../../cli/runner/sql-split";
import { waitForListening } from "../support/wait-for-listening";
import { PROJECT_DIR, tempDataDir } from "./gleaner-process";

const CONFIG = join(PROJECT_DIR, "wrangler.toml");

/** Drops undefined values and empty objects and arrays, recursively: wrangler lists every binding kind, mostly empty. */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const c = compact(v);
    if (c === undefined || (Array.isArray(c) && c.length === 0) || (typeof c === "object" && c !== null && !Array.isArray(c) && Object.keys(c).length === 0))
      continue;
    out[k] = c;
  }
  return out;
}

describe("the runner's reading of wrangler.toml", () => {
  it("builds the same Miniflare worker options as wrangler for the project's wrangler.toml", () => {
    const ours = readWorkerConfig(CONFIG);
    const { workerOptions, main } = unstable_getMiniflareWorkerOptions(CONFIG);
    expect(compact(ours.workerOptions)).toEqual(compact(workerOptions));
    expect(ours.main).toBe(main);
    // The bindings the worker relies on are there at all (not both sides empty).
    expect(Object.keys(ours.workerOptions.d1Databases ?? {})).toEqual(["DB"]);
    expect(Object.keys(ours.workerOptions.queueConsumers ?? {}).length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(ours.workerOptions.ratelimits ?? {}).length).toBeGreaterThanOrEqual(1);
  });

  it("reads the same name, crons and vars as wrangler", () => {
    const ours = readWorkerConfig(CONFIG);
    const config = unstable_readConfig({ config: CONFIG });
    expect(ours.name).toBe(config.name);
    expect(ours.crons).toEqual(config.triggers.crons ?? []);
    expect(ours.varNames).toEqual(Object.keys(config.vars ?? {}));
  });

  it("agrees with wrangler on a config using every supported kind of binding and setting", () => {
    const dir = mkdtempSync(join(tmpdir(), "gleaner-config-"));
    const path = join(dir, "wrangler.toml");
    writeFileSync(
      path,
      `name = "w"
main = "src/w.ts"
compatibility_date = "2026-01-01"
compatibility_flags = ["nodejs_compat"]
[[rules]]
type = "Text"
globs = ["**/*.md"]
fallthrough = true
[[d1_databases]]
binding = "A"
database_name = "a"
database_id = "id-a"
preview_database_id = "preview-a"
[[d1_databases]]
binding = "B"
database_name = "b"
[[r2_buckets]]
binding = "R"
bucket_name = "r-bucket"
[[kv_namespaces]]
binding = "K"
id = "k-id"
[[queues.producers]]
binding = "Q"
queue = "q"
delivery_delay = 3
[[queues.consumers]]
queue = "q"
max_batch_size = 7
max_batch_timeout = 2
max_retries = 1
retry_delay = 4
dead_letter_queue = "q-dlq"
[[ratelimits]]
name = "RL"
namespace_id = "1"
simple = { limit = 3, period = 10 }
[triggers]
crons = ["*/3 * * * *"]
[vars]
S = "x"
N = 5
J = { a = 1 }
`,
    );
    const ours = readWorkerConfig(path);
    expect(compact(ours.workerOptions)).toEqual(compact(unstable_getMiniflareWorkerOptions(path).workerOptions));
    expect(ours.crons).toEqual(["*/3 * * * *"]);
  });

  it("refuses a wrangler.toml with a binding it would leave unbound, naming it", () => {
    const dir = mkdtempSync(join(tmpdir(), "gleaner-config-"));
    const path = join(dir, "wrangler.toml");
    writeFileSync(path, 'name = "w"\nmain = "w.ts"\n[[durable_objects.bindings]]\nname = "D"\nclass_name = "D"\n[[services]]\nbinding = "S"\nservice = "s"\n');
    expect(() => readWorkerConfig(path)).toThrow(/durable_objects, services/);
  });

  it("splits every migration into the same statements as wrangler", () => {
    const dir = join(PROJECT_DIR, "migrations");
    const files = readdirSync(dir).filter((f) => f.endsWith(".sql"));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const sql = readFileSync(join(dir, f), "utf8").replaceAll("--> statement-breakpoint", "");
      expect(splitSqlQuery(sql), f).toEqual(unstable_splitSqlQuery(sql));
    }
    const tricky = [
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (1); UPDATE c SET x = CASE WHEN y THEN 1 ELSE 2 END; END; SELECT 1;",
      "INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`); -- a comment; with a semicolon\nSELECT $x$;$x$; /* block; */ SELECT 2",
      "BEGIN TRANSACTION;\nCREATE TABLE t (x);\nINSERT INTO t VALUES (1);\nCOMMIT;",
      "SELECT 1;",
      "SELECT 1 - 2 / 3; SELECT 4",
    ];
    for (const sql of tricky) expect(splitSqlQuery(sql), sql).toEqual(unstable_splitSqlQuery(sql));
  });
});

/** Command name of `pid` and each descendant, read from /proc. */
function treeNames(root: number): string[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // Gone while we looked.
    }
  }
  const names: string[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    try {
      names.push(readFileSync(`/proc/${pid}/comm`, "utf8").trim());
    } catch {
      // Gone.
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return names;
}

describe("npm start's process tree", () => {
  it("once started is npm, its shell, one node and workerd: no tsx, no esbuild service", { timeout: 60_000 }, async () => {
    const child = spawn("npm", ["start"], {
      cwd: PROJECT_DIR,
      env: { ...process.env, PORT: "0", GLEANER_DATA_DIR: tempDataDir(), GLEANER_ADMIN_TOKEN: "node-test-admin-token" },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on("close", r));
    try {
      const base = await waitForListening(() => out, exited, 50);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const names = treeNames(child.pid!);
      expect(names.filter((n) => n === "node")).toHaveLength(1);
      expect(names).toContain("workerd");
      expect(names.filter((n) => !["npm", "npm start", "sh", "node", "workerd"].includes(n))).toEqual([]);
    } finally {
      process.kill(-child.pid!, "SIGKILL");
      await exited;
    }
  });
});

/**
 * One-shot import of the real legacy telemetry fixtures into a fresh Gleaner,
 * with a count check: every complete line is either stored once or listed with
 * its reason. `npm run import:fixtures -- <dir>` imports every `*.jsonl` of
 * <dir>; without it, `../shared/fixtures/legacy-telemetry` (next to the repo)
 * when that exists. A missing folder or one with no `.jsonl` file exits 2 with
 * the reason and the usage, before anything starts.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { unstable_readConfig } from "wrangler";
import { fileLabel } from "../cli/ship/label";
import { parseLine } from "../cli/ship/lenient-json";
import { startGleaner } from "../cli/runner/server";
import { resolveSettings } from "../cli/runner/settings";
import { legacyEventId } from "../src/domain/legacy";
import type { ShipSummary } from "../cli/ship/progress";

const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_FIXTURES = "../shared/fixtures/legacy-telemetry";
const USAGE = "npm run import:fixtures -- <dir>";
const shown = (p: string) => relative(projectDir, p) || ".";

/** Says why the fixtures folder will not do, with the usage, and exits 2 (never a stack trace). */
function refuse(reason: string): never {
  console.error(`${reason} — pass the fixtures folder: ${USAGE}`);
  process.exit(2);
}

/**
 * The fixtures folder and its `.jsonl` files: the first argument, relative to
 * where the command was typed (npm runs scripts from the repo root and keeps
 * that folder in INIT_CWD), else the default next to the repo.
 */
function fixturesFrom(argv: string[]): { dir: string; files: string[] } {
  const [arg, ...extra] = argv;
  if (arg === "--help" || arg === "-h") {
    console.log(`usage: ${USAGE}   (default: ${DEFAULT_FIXTURES}, next to the repo)`);
    process.exit(0);
  }
  if (extra.length) refuse(`one folder only, got ${argv.length} arguments`);
  const typedIn = process.env.npm_lifecycle_event === "import:fixtures" && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
  const dir = arg ? resolve(typedIn, arg) : resolve(projectDir, DEFAULT_FIXTURES);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    refuse(`no such directory: ${dir}`);
  }
  if (!isDir) refuse(`not a directory: ${dir}`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    refuse(`cannot read ${dir}: ${(err as Error).message}`);
  }
  const files = names
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .map((f) => join(dir, f));
  if (!files.length) refuse(`no .jsonl files in ${dir}`);
  return { dir, files };
}

const { dir: fixturesDir, files } = fixturesFrom(process.argv.slice(2));

type Summary = ShipSummary;

function runShip(base: string, key: string, stateDir: string, files: string[]): Promise<Summary> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ["bin/gleaner.mjs", "ship", "--url", base, "--key", key, "--once", "--state", stateDir, ...files], {
      cwd: projectDir,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => {
      if (code !== 0) return fail(new Error(`gleaner ship exited with ${code}`));
      ok(JSON.parse(out.trim().split("\n").at(-1)!) as Summary);
    });
  });
}

/** Reports the shipper wrote for lines it did not store (quarantine.jsonl, rejected.jsonl). */
function reports(stateDir: string): { path: string; offset: number; reason: string }[] {
  return ["quarantine.jsonl", "rejected.jsonl"].flatMap((name) => {
    try {
      return readFileSync(join(stateDir, name), "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  });
}

const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

const dataDir = mkdtempSync(join(tmpdir(), "gleaner-import-"));
const varNames = Object.keys(unstable_readConfig({ config: join(projectDir, "wrangler.toml") }).vars ?? {});
const env = { ...process.env, PORT: "0", HOST: "127.0.0.1", GLEANER_DATA_DIR: dataDir, GLEANER_ADMIN_TOKEN: randomBytes(24).toString("hex") };
const settings = resolveSettings(projectDir, env, varNames);
const gleaner = await startGleaner(projectDir, settings);
const base = gleaner.url.origin;
let failed = false;
try {
  const admin = { Authorization: `Bearer ${settings.adminToken}` };
  const keyRes = await fetch(`${base}/v1/admin/projects/legacy-import/keys`, { method: "POST", headers: admin });
  const { key } = (await keyRes.json()) as { key: string };
  const stateDir = join(dataDir, "ship-state");

  console.log(`Importing ${files.length} files from ${shown(fixturesDir)} into a fresh Gleaner (gleaner ship --once, one run per file)\n`);
  const perFile: (string | number)[][] = [];
  const total: Summary = { files: 0, lines: 0, accepted: 0, duplicates: 0, rejected: 0, quarantined: 0, truncated: 0 };
  for (const file of files) {
    const s = await runShip(base, key, stateDir, [file]);
    perFile.push([basename(file), s.lines, s.accepted, s.duplicates, s.rejected, s.quarantined, s.truncated]);
    for (const k of Object.keys(total) as (keyof Summary)[]) total[k] += s[k];
  }
  perFile.push(["**all**", total.lines, total.accepted, total.duplicates, total.rejected, total.quarantined, total.truncated]);
  console.log(table(["file", "lines", "accepted", "duplicates", "rejected", "quarantined", "truncated"], perFile));

  // The check: derive each line's id as the server does and look it up.
  const listed = reports(stateDir);
  const byType = new Map<string, number>();
  let complete = 0;
  let stored = 0;
  const unaccounted: string[] = [];
  for (const file of files) {
    const bytes = readFileSync(file);
    for (let start = 0, end = bytes.indexOf(10); end !== -1; start = end + 1, end = bytes.indexOf(10, start)) {
      complete++;
      const parsed = parseLine(bytes.subarray(start, end).toString("utf8"));
      const reason = listed.find((r) => r.path === file && r.offset === start)?.reason;
      const id = parsed.ok ? legacyEventId(fileLabel(file), start, parsed.value) : undefined;
      const res = id ? await fetch(`${base}/v1/events/${id}`, { headers: { Authorization: `Bearer ${key}` } }) : undefined;
      if (res?.status === 200) {
        const { event } = (await res.json()) as { event: { type: string; attributes: { legacy: { format: string } } } };
        const label = `${event.type} (${event.attributes.legacy.format})`;
        byType.set(label, (byType.get(label) ?? 0) + 1);
        stored++;
      } else {
        await res?.body?.cancel();
        if (!reason) unaccounted.push(`${basename(file)} @${start}`);
      }
    }
  }
  console.log("\nStored events by type (upcaster):\n");
  console.log(
    table(
      ["type (format)", "events"],
      [...byType].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    ),
  );
  console.log(`\nRejected or quarantined, with reasons: ${listed.length === 0 ? "none" : ""}`);
  for (const r of listed) console.log(`- ${basename(r.path)} @${r.offset}: ${r.reason}`);

  const stats = (await (await fetch(`${base}/v1/admin/stats`, { headers: admin })).json()) as { events: { total: number } };
  const again = await runShip(base, key, join(dataDir, "fresh-state"), files);
  console.log(
    `\nCheck: ${complete} complete lines = ${stored} stored + ${listed.length} listed with a reason` +
      `${unaccounted.length ? ` + ${unaccounted.length} UNACCOUNTED (${unaccounted.slice(0, 5).join(", ")})` : ""}`,
  );
  console.log(`Check: the server holds ${stats.events.total} events (one per stored line)`);
  console.log(`Check: shipping all files again from scratch: ${again.accepted} accepted, ${again.duplicates} duplicates`);
  failed = unaccounted.length > 0 || stored + listed.length !== complete || stats.events.total !== stored || again.accepted !== 0;
  console.log(failed ? "\nFAILED" : "\nOK: every complete line is stored once or listed with its reason");
} finally {
  await gleaner.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

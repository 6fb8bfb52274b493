/**
 * The benchmark: `npm run bench` (full, ~25 min, writes bench/results/) or
 * `npm run bench -- --quick` (under a minute, for CI: fails on a broken
 * pipeline, never on a slow machine). `--only=ingest,e2e,memory,startup,knn,ship,crash,outage,fuzz,slow-sink,flood,search-events`
 * runs a subset; `--out=<file>` also writes the JSON there; `--variant='s/from/to/'`
 * runs every suite against an edited wrangler.toml (results are not written).
 * See bench/README.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { closeIdleConnectionsEarly } from "../test/support/keep-alive";
import { measureKnn } from "./knn/measure";
import { removeTempDirs, tempDir, useVariant, PROJECT_DIR } from "./lib/gleaner";
import { describeMachine } from "./lib/machine";
import { latestJson, markdownTable, rows, type Figures } from "./lib/report";
import { crashSoak } from "./soak/crash";
import { fuzzIngest } from "./soak/fuzz";
import { outageSoak } from "./soak/outage";
import { slowSink } from "./soak/slow-sink";
import { measureE2e } from "./suites/e2e";
import { floodBroken, floodRows, measureFlood, type FloodFigure } from "./suites/flood";
import { measureIngest } from "./suites/ingest";
import { measureMemory } from "./suites/memory";
import { measureSearchEvents } from "./suites/search-events";
import { measureShip } from "./suites/ship";
import { measureStartup, type StartupFigure } from "./suites/startup";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const out = args.find((a) => a.startsWith("--out="))?.slice(6);
const variant = args.filter((a) => a.startsWith("--variant=")).map((a) => a.slice(10));
if (variant.length) useVariant(variant);
const shown = args.map((a) => (/[\s'"$]/.test(a) ? `'${a.replaceAll("'", "'\\''")}'` : a)).join(" ");
const command = process.env.npm_lifecycle_event === "bench" ? `npm run bench${args.length ? ` -- ${shown}` : ""}` : `npx tsx bench/run.ts${args.length ? ` ${shown}` : ""}`;
// Quick mode leaves out what takes minutes (outage, slow sink, flood) and the memory runs (ingest already checks acceptance).
const wanted = (name: string) => (only ? only.includes(name) : !quick || !["memory", "outage", "slow-sink", "flood"].includes(name));
const log = (line: string) => process.stderr.write(`${line}\n`);
// The load and its baselines share one client: idle connections closed before workerd closes them (see keep-alive.ts).
closeIdleConnectionsEarly();

const figures: Figures = {};
/** The flood suite's figure (bench/lib/report.ts does not know it; its rows are added below). */
let flood: FloodFigure | undefined;
/** The startup suite's figure: `npm start` to the banner, and the idle tree's RSS (idle_rss_mb, startup_s). */
let startup: StartupFigure | undefined;
/** Checks that mean the pipeline is broken, whatever the machine's speed. */
const broken: string[] = [];
const started = new Date();
const machine = describeMachine();
log(`Gleaner benchmark (${quick ? "quick" : "full"}) on ${machine.nproc} cores, ${machine.memory_gib} GiB, node ${machine.node}, workerd ${machine.workerd}, load ${machine.loadavg_1m_at_start}`);

async function suite(name: string, run: () => Promise<void>) {
  if (!wanted(name)) return;
  const t = Date.now();
  log(`- ${name}…`);
  try {
    await run();
  } catch (err) {
    broken.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    removeTempDirs();
    log(`  ${name} done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }
}

await suite("ingest", async () => {
  const f = await measureIngest(quick ? { rounds: 1, seconds: 2, connections: 16 } : { rounds: 3, seconds: 10, connections: 16 });
  figures.ingest = f;
  if (f.ingestEventsPerS <= 0 || f.baselineEventsPerS <= 0 || f.ceilingReqPerS <= 0) broken.push("ingest: a server accepted nothing");
  if (f.non2xx > 0) broken.push(`ingest: ${f.non2xx} answers were not 2xx`);
  if (!f.storedAll) broken.push("ingest: Gleaner's stored event count does not match the 2xx answers");
});
await suite("e2e", async () => {
  const f = await measureE2e(
    quick ? { probeEvents: 1000, windowS: 3, fractions: [0.5], log } : { probeEvents: 20_000, windowS: 30, fractions: [0.5, 0.6, 0.75, 0.9, 1, 0.35, 0.25], log },
  );
  figures.e2e = f;
  if (!f.attempts.some((a) => Number.isFinite(a.maxLagS))) broken.push("e2e: no heartbeat was ever processed");
});
await suite("memory", async () => {
  figures.memory100k = await measureMemory(quick ? 20_000 : 100_000, quick ? 1 : 5);
  if (!quick) figures.memory1m = await measureMemory(1_000_000);
});
await suite("startup", async () => {
  startup = await measureStartup(quick ? 1 : 3, quick ? 2 : 5);
});
await suite("knn", async () => {
  const f = await measureKnn(quick ? [2_000, 10_000] : [10_000, 100_000], quick ? 3 : 7, tempDir("gleaner-bench-knn-"));
  figures.knn = f;
  if (f.some((k) => !k.sameNeighbours)) broken.push("knn: the embedded store and the dot-product floor found different neighbours");
});
await suite("ship", async () => {
  const f = await measureShip(quick ? 2 : 100);
  figures.ship = f;
  const s = f.summary;
  if (f.error || !s) broken.push(`ship: ${f.error ?? "no summary"}`);
  else if (s.accepted === 0 || s.accepted + s.duplicates + s.rejected + s.quarantined !== s.lines) broken.push(`ship: summary does not add up: ${JSON.stringify(s)}`);
});
await suite("crash", async () => {
  const f = await crashSoak(quick ? { cycles: 2, minMs: 800, maxMs: 1500, log } : { cycles: 20, minMs: 500, maxMs: 5000, log });
  figures.crash = f;
  if (!f.ok) broken.push(`crash soak: lost ${f.lost}, duplicated ${f.duplicated}, counters exactly once: ${f.audit.counters.exactlyOnce}`);
});
await suite("outage", async () => {
  const f = await outageSoak(quick ? { beforeS: 3, outageS: 10, afterS: 3, halfOpenS: 2, log } : { beforeS: 30, outageS: 120, afterS: 30, halfOpenS: 30, log });
  figures.outage = f;
  if (!f.ok) broken.push(`outage: ${JSON.stringify({ ingest: f.ingestStatuses, peak: f.breakerPeak, end: f.breakerEnd, lost: f.lost, duplicated: f.duplicated })}`);
});
await suite("fuzz", async () => {
  const f = await fuzzIngest(quick ? 300 : 10_000);
  figures.fuzz = f;
  if (!f.ok) broken.push(`fuzz: ${f.serverErrors} 5xx, ${f.hangs} hangs, crashed ${f.crashed}, unresponsive ${f.unresponsive}, stuck ${f.stuck}, ${f.unexplained} unexplained; server log: ${f.serverLog.slice(0, 2).join(" ")}`);
});
await suite("slow-sink", async () => {
  const f = await slowSink(quick ? { floodS: 8, backlogBudget: 2000, similarityWindow: 5000, memoryBudgetMb: 512, log } : { floodS: 60, backlogBudget: 5000, similarityWindow: 5000, memoryBudgetMb: 512, log });
  figures.slowSink = f;
  if (!f.ok) broken.push(`slow sink: ${JSON.stringify({ answers: f.answers, workerdMb: f.peakWorkerdMb, lost: f.lost, duplicated: f.duplicated })}`);
});
await suite("search-events", async () => {
  // Only when asked for (--only=search-events): it seeds 100k events and prints its own table.
  if (!only?.includes("search-events")) return;
  const f = await measureSearchEvents(quick ? 20_000 : 100_000, quick ? 20 : 100);
  console.log(`\nsearch-events: ${f.events} events stored, ${f.requests} sequential requests each\n`);
  console.log(markdownTable(f.results.map((r) => ({ measure: r.label, gleaner: `${r.p50Ms} / ${r.p95Ms} ms`, baseline: `${r.hits} results`, ratio: "", target: r.label.includes("q=") ? "< 200 ms" : "", met: r.label.includes("q=") ? (r.p95Ms < 200 ? "yes" : "no") : "—" }))));
  if (f.results.some((r) => r.label.includes("q=") && r.hits === 0)) broken.push("search-events: a search found nothing");
});
await suite("flood", async () => {
  flood = await measureFlood({ bReqPerS: 20, bEvents: 10, bSeconds: 10, connections: 16, seedEvents: 2000, log });
  broken.push(...floodBroken(flood));
});

const seconds = (Date.now() - started.getTime()) / 1000;
const startupRows = startup
  ? [
      {
        measure: `idle RSS of the \`npm start\` tree, MB (${startup.idleS} s after the banner; median of ${startup.runs.length}: ${startup.runs.at(-1)?.processes.join(", ")})`,
        gleaner: startup.idleTreeMb.toFixed(0),
        baseline: `node + Miniflare, empty worker ${startup.floor.idleTreeMb.toFixed(0)} (${startup.floor.processes.join(", ")})`,
        ratio: `${(startup.idleTreeMb / startup.floor.idleTreeMb).toFixed(2)}×`,
        target: "≤ 250 MB",
        met: startup.idleTreeMb <= 250 ? ("yes" as const) : ("no" as const),
      },
      {
        measure: `\`npm start\` to the banner, s (fresh data dir, every migration applied; median of ${startup.runs.length}; first start ${startup.first.startupS.toFixed(2)})`,
        gleaner: startup.startupS.toFixed(2),
        baseline: `node + Miniflare, empty worker ${startup.floor.startupS.toFixed(2)}`,
        ratio: `${(startup.startupS / startup.floor.startupS).toFixed(2)}×`,
        target: "≤ 3 s",
        met: startup.startupS <= 3 ? ("yes" as const) : ("no" as const),
      },
    ]
  : [];
const ing = figures.ingest;
/** The bare D1 worker on the same runner (bench/baseline/bare-d1-worker.js), measured in the ingest suite's rounds. */
const bareD1Rows = ing
  ? [
      {
        measure: "ingest events/s vs the bare D1 worker (same runner, migrated inbox, one json_each INSERT per request)",
        gleaner: ing.ingestEventsPerS.toFixed(0),
        baseline: `bare D1 worker ${ing.bareD1EventsPerS.toFixed(0)} (${ing.bareD1MbPerS.toFixed(1)} MB/s; p50 / p99 ${ing.p50.bareD1} / ${ing.p99.bareD1} ms)`,
        ratio: `${(ing.ingestEventsPerS / ing.bareD1EventsPerS).toFixed(2)}×`,
        target: "≥ 0.8×",
        met: ing.ingestEventsPerS >= 0.8 * ing.bareD1EventsPerS ? ("yes" as const) : ("no" as const),
      },
    ]
  : [];
const extraRows = [...bareD1Rows, ...startupRows, ...(flood ? floodRows(flood) : [])];
const table = markdownTable([...rows(figures), ...extraRows]);
console.log(`\n${table}\n`);
const baseJson = latestJson(figures, machine, command, started, seconds);
const ingestKeys = {
  bare_d1_events_per_s: ing ? Math.round(ing.bareD1EventsPerS) : null,
  ingest_mb_per_s: ing ? Math.round(ing.ingestMbPerS * 100) / 100 : null,
};
const startupKeys = { idle_rss_mb: startup ? Math.round(startup.idleTreeMb) : null, startup_s: startup ? Math.round(startup.startupS * 100) / 100 : null };
const json = {
  ...baseJson,
  ...ingestKeys,
  ...startupKeys,
  table: [...baseJson.table, ...extraRows],
  details: { ...baseJson.details, ...(flood ? { flood } : {}), ...(startup ? { startup } : {}) },
};
if (!quick && !only && !variant.length) {
  const dir = join(PROJECT_DIR, "bench/results");
  mkdirSync(dir, { recursive: true });
  const day = started.toISOString().slice(0, 10);
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(dir, `${day}.md`), renderMarkdown(day));
  log(`wrote bench/results/${day}.md and bench/results/latest.json`);
}
if (out) writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
log(`${quick ? "quick" : "full"} run: ${seconds.toFixed(0)} s`);
if (broken.length) {
  log(`\nBROKEN (${broken.length}):\n${broken.map((b) => `  - ${b}`).join("\n")}`);
  process.exitCode = 1;
}

function renderMarkdown(day: string): string {
  const m = machine;
  return `# Benchmark results ${day}

Command: \`${command}\` (from the repository root; ${seconds.toFixed(0)} s).

Machine: ${m.nproc} cores (${m.cpu}), ${m.memory_gib} GiB, ${m.os}; Node ${m.node}, workerd ${m.workerd}, miniflare ${m.miniflare},
wrangler ${m.wrangler}; commit ${m.commit}. The machine is shared: load average ${m.loadavg_1m_at_start} when the run started, other
engineers' test suites running; runs vary by about ±15 %, which is why every figure sits next to a baseline measured in
the same run.

${table}

${broken.length ? `Broken-pipeline checks that failed:\n\n${broken.map((b) => `- ${b}`).join("\n")}\n` : "Every broken-pipeline check passed."}

How each figure is measured, and the notes on the targets missed: bench/README.md and docs/reliability.md.
Raw figures: bench/results/latest.json (\`details\`).
`;
}

/**
 * Noisy neighbour: does one key's flood of pattern searches slow another
 * key's ingest? (The claim: "one key's flood never slows another key's ingest
 * beyond its normal latency".)
 *
 * One Gleaner with its shipped settings, two projects, each with its own key:
 * A (seeded so its searches have ~1k patterns to scan) and B (seeded so its
 * similarity window is full in every phase). Phases, in one run:
 *
 * 1. alone: B sends paced ingest (open loop, 20 requests/s of 10 events, 10 s);
 *    B's latency p50/p99 and status counts.
 * 2. POST flood: A floods `POST /v1/patterns/search` as fast as 16 connections
 *    allow for 12 s; from its second 1 to 11, B repeats the same paced ingest.
 * 3. GET flood: the same with `GET /v1/patterns/search?q=…`.
 * 4. alone again: B's paced ingest once more, to show how much B's latency
 *    moves between two quiet windows of the same run.
 *
 * The flood runs in a child process (this file, `--flood-child`), so its
 * client work never delays B's timers or timings in this process. Each flood
 * starts 3 s into a fresh wall-clock minute: the local rate limiter's window
 * is the minute (so A starts each flood with its full search budget of 600 a
 * minute) and the runner fires its crons on the minute (so no phase shares
 * its seconds with a cron job; jobs that finished during a phase are listed).
 * Every request goes to 127.0.0.1 and every phase is bounded in time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { createKey, drained, sleep } from "../lib/client";
import { EventFactory, prng } from "../lib/events";
import { PROJECT_DIR, startGleaner, stopGleaner, tempDir, type Gleaner } from "../lib/gleaner";
import type { Row } from "../lib/report";

export interface FloodOptions {
  /** B's paced ingest: requests per second, events per request, seconds. */
  bReqPerS: number;
  bEvents: number;
  bSeconds: number;
  /** A's flood: connections; it runs 1 s before and after B's window. */
  connections: number;
  /** Events each project is seeded with before the phases. */
  seedEvents: number;
  log?: (line: string) => void;
}

/** B's side of a phase. */
export interface PacedLatency {
  seconds: number;
  sent: number;
  statuses: Record<string, number>;
  ok2xx: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** The latest a request left after its due time (ms): the client's own lag, should be ~0. */
  maxSendLagMs: number;
}

/** One of B's requests: ms after B's window started, and its latency. */
type Sample = { atMs: number; ms: number };

/** A's side of a flood phase. */
export interface FloodAnswers {
  method: "POST" | "GET";
  seconds: number;
  requests: number;
  reqPerS: number;
  /** "200", "429 rate", "429 concurrency (project)", "429 concurrency (isolate)", any other status as a number. */
  answers: Record<string, number>;
  ok200: number;
  rate429: number;
  concurrency429: number;
  other: number;
  errors: number;
  timeouts: number;
  p50Ms: number;
  p99Ms: number;
  /** Epoch ms of A's first and last 200 (its searches actually run between them). */
  first200At: number | null;
  last200At: number | null;
}

export interface FloodPhase {
  name: "alone" | "post-flood" | "get-flood" | "alone-after";
  startedAt: string;
  b: PacedLatency;
  a?: FloodAnswers;
  /** B while A's searches were still admitted (sent before A's last 200), and after. */
  bWhileAdmitted?: { n: number; p50Ms: number; p99Ms: number };
  bAfterAdmitted?: { n: number; p50Ms: number; p99Ms: number };
  /** Cron or admin jobs that finished during the phase, as "name (ms)". */
  jobs: string[];
}

export interface FloodFigure {
  options: Omit<FloodOptions, "log">;
  patternsA: number;
  alone: FloodPhase;
  post: FloodPhase;
  get: FloodPhase;
  after: FloodPhase;
  seconds: number;
}

const FLOOD_EXTRA_S = 1;

/** Nearest-rank percentile of sorted values. */
function pct(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summary(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50Ms: pct(s, 50), p99Ms: pct(s, 99) };
}

/** Open-loop paced POST /v1/events with per-request latency (send to last body byte). */
async function pacedIngest(base: string, key: string, factory: EventFactory, o: FloodOptions): Promise<PacedLatency & { samples: Sample[] }> {
  const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
  const statuses: Record<string, number> = {};
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<void>>();
  const total = Math.round(o.bReqPerS * o.bSeconds);
  let maxSendLagMs = 0;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / o.bReqPerS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const body = factory.body(o.bEvents).text;
    const sentAt = performance.now();
    maxSendLagMs = Math.max(maxSendLagMs, sentAt - due);
    const p = fetch(`${base}/v1/events`, { method: "POST", headers, body, signal: AbortSignal.timeout(30_000) })
      .then(async (res) => {
        await res.arrayBuffer();
        samples.push({ atMs: sentAt - started, ms: performance.now() - sentAt });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      })
      .catch(() => void (statuses["0"] = (statuses["0"] ?? 0) + 1))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  return {
    seconds: (performance.now() - started) / 1000,
    sent: total,
    statuses,
    ok2xx: Object.entries(statuses).reduce((n, [s, c]) => (s.startsWith("2") ? n + c : n), 0),
    p50Ms: pct(ms, 50),
    p99Ms: pct(ms, 99),
    maxMs: ms.at(-1) ?? Number.NaN,
    meanMs: ms.reduce((a, b) => a + b, 0) / (ms.length || 1),
    maxSendLagMs,
    samples: samples.sort((a, b) => a.atMs - b.atMs),
  };
}

/** Waits for the next wall-clock minute, then `offsetS` seconds into it. */
async function intoNextMinute(offsetS: number): Promise<void> {
  const now = Date.now();
  await sleep(Math.ceil(now / 60_000) * 60_000 + offsetS * 1000 - now);
}

/** Waits for the next minute when fewer than `needS` seconds are left in this one. */
async function fitInMinute(needS: number): Promise<void> {
  const left = 60 - (Date.now() % 60_000) / 1000;
  if (left < needS + 2) await intoNextMinute(3);
}

/** Jobs the service reports done ("job done" lines), with when this process saw them. */
function watchJobs(g: Gleaner) {
  const seen: { at: number; job: string; ms: number }[] = [];
  g.child.stdout!.on("data", (d: Buffer) => {
    for (const m of String(d).matchAll(/"msg":"job (?:done|failed)".*?"job":"([^"]+)"(?:,"duration_ms":(\d+))?/g)) {
      seen.push({ at: Date.now(), job: m[1]!, ms: Number(m[2] ?? 0) });
    }
  });
  /** Jobs whose run overlapped [from, to] (epoch ms). */
  return (from: number, to: number) => seen.filter((j) => j.at >= from && j.at - j.ms <= to).map((j) => `${j.job} (${j.ms} ms)`);
}

/** A flood child, started and waiting for "go" on its stdin. */
interface FloodChild {
  go(): Promise<void>;
  result: Promise<FloodAnswers>;
  child: ChildProcess;
}

function startFloodChild(cfg: { base: string; key: string; method: "POST" | "GET"; seconds: number; connections: number }): Promise<FloodChild> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--flood-child", JSON.stringify(cfg)], {
    cwd: PROJECT_DIR,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => (err = (err + d).slice(-4000)));
  const waiters: { word: string; ok: () => void }[] = [];
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  child.stdout!.on("data", (d) => {
    out += d;
    for (const w of waiters.splice(0)) {
      if (out.includes(`${w.word}\n`)) w.ok();
      else waiters.push(w);
    }
  });
  const line = (word: string, timeoutMs: number) =>
    new Promise<void>((ok, fail) => {
      if (out.includes(`${word}\n`)) return ok();
      const timer = setTimeout(() => fail(new Error(`flood child: no '${word}' in ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
      waiters.push({ word, ok: () => (clearTimeout(timer), ok()) });
      void exited.then((code) => fail(new Error(`flood child exited (${code}) before '${word}'; stderr: ${err}`)));
    });
  const result = exited.then((code) => {
    const m = /^result (.+)$/m.exec(out);
    if (!m) throw new Error(`flood child exited (${code}) without a result; stderr: ${err}`);
    return JSON.parse(m[1]!) as FloodAnswers;
  });
  result.catch(() => undefined);
  return line("ready", 60_000).then(() => ({
    child,
    result,
    async go() {
      child.stdin!.write("go\n");
      await line("started", 10_000);
    },
  }));
}

/** Query texts for A's searches: words of the seeded events, in a new order each time. */
function queries(count: number): string[] {
  const words = "rotate logs journald disk full nginx upstream timeout postgres vacuum index bloat docker image layer cache kubernetes pod crashloop memory limit oom kill rust borrow checker lifetime python asyncio event loop".split(" ");
  const rand = prng(11);
  return Array.from({ length: count }, () => Array.from({ length: 6 }, () => words[Math.floor(rand() * words.length)]!).join(" "));
}

/** The child's side: waits for "go", floods for `seconds`, prints "result <json>". */
async function floodChild(cfg: { base: string; key: string; method: "POST" | "GET"; seconds: number; connections: number }): Promise<void> {
  const qs = queries(256);
  let n = 0;
  const answers: Record<string, number> = {};
  let first200At: number | null = null;
  let last200At: number | null = null;
  const count = (k: string) => void (answers[k] = (answers[k] ?? 0) + 1);
  process.stdout.write("ready\n");
  await new Promise<void>((r) => process.stdin.once("data", () => r()));
  const started = Date.now();
  const running = autocannon({
    url: `${cfg.base}/v1/patterns/search`,
    connections: cfg.connections,
    duration: cfg.seconds,
    timeout: 30,
    requests: [
      {
        method: cfg.method,
        headers: { Authorization: `Bearer ${cfg.key}`, ...(cfg.method === "POST" ? { "Content-Type": "application/json" } : {}) },
        setupRequest: (req: Record<string, unknown>) => {
          const q = qs[n++ % qs.length]!;
          return cfg.method === "POST"
            ? { ...req, body: JSON.stringify({ q, k: 5 }) }
            : { ...req, path: `/v1/patterns/search?q=${encodeURIComponent(q)}&k=5` };
        },
        onResponse: (status: number, body: string) => {
          if (status === 200) {
            const now = Date.now();
            first200At ??= now;
            last200At = now;
            return count("200");
          }
          if (status !== 429) return count(String(status));
          try {
            const d = (JSON.parse(body) as { error: { code: string; details: { reason?: string; scope?: string } } }).error;
            if (d.code !== "rate_limited") return count(`429 ${d.code}`);
            count(d.details.reason === "concurrency" ? `429 concurrency (${d.details.scope ?? "?"})` : `429 ${d.details.reason ?? "?"}`);
          } catch {
            count("429 unparsed");
          }
        },
      },
    ],
  });
  process.stdout.write("started\n");
  const r = await running;
  const seconds = (Date.now() - started) / 1000;
  const requests = Object.values(answers).reduce((a, b) => a + b, 0);
  const sum = (f: (k: string) => boolean) => Object.entries(answers).reduce((s, [k, v]) => (f(k) ? s + v : s), 0);
  const result: FloodAnswers = {
    method: cfg.method,
    seconds,
    requests,
    reqPerS: requests / seconds,
    answers,
    ok200: answers["200"] ?? 0,
    rate429: answers["429 rate"] ?? 0,
    concurrency429: sum((k) => k.startsWith("429 concurrency")),
    other: sum((k) => k !== "200" && k !== "429 rate" && !k.startsWith("429 concurrency")),
    errors: r.errors,
    timeouts: r.timeouts,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    first200At,
    last200At,
  };
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
}

export async function measureFlood(o: FloodOptions): Promise<FloodFigure> {
  const log = o.log ?? (() => undefined);
  const t0 = Date.now();
  const g = await startGleaner(tempDir("gleaner-bench-flood-"));
  const jobsBetween = watchJobs(g);
  const children: FloodChild[] = [];
  try {
    const keyA = await createKey(g.base, "flood-a");
    const keyB = await createKey(g.base, "flood-b");

    // Seed both projects: A's searches get patterns to scan, B's similarity window is full from the first phase on.
    const seed = async (key: string, producer: string) => {
      const f = new EventFactory(producer, producer === "seed-a" ? 7 : 8);
      for (let i = 0; i < o.seedEvents; i += 100) {
        const res = await fetch(`${g.base}/v1/events`, {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
          body: f.body(Math.min(100, o.seedEvents - i)).text,
        });
        await res.arrayBuffer();
        if (res.status !== 202) throw new Error(`seeding ${producer}: ${res.status}`);
      }
    };
    const extracted = async () => {
      const m = /learning_patterns_extracted_total\{extractor="heuristic"\} (\d+)/.exec(await (await fetch(`${g.base}/metrics`)).text());
      return m ? Number(m[1]) : 0;
    };
    await seed(keyA, "seed-a");
    await drained(g.base, 180_000);
    await sleep(1000);
    const patternCount = await extracted();
    await seed(keyB, "seed-b");
    await drained(g.base, 180_000);
    await sleep(1000);
    const check = await fetch(`${g.base}/v1/patterns/search`, {
      method: "POST",
      headers: { Authorization: `Bearer ${keyA}`, "Content-Type": "application/json" },
      body: JSON.stringify({ q: "nginx upstream timeout", k: 50 }),
    });
    const patternsA = check.ok ? ((await check.json()) as { results: unknown[] }).results.length : 0;
    if (!patternsA) throw new Error(`A's seeded project has no patterns to search (search answered ${check.status})`);

    // Both flood clients start now (loading tsx takes a second or two), then wait for "go".
    const floodSeconds = o.bSeconds + 2 * FLOOD_EXTRA_S;
    children.push(await startFloodChild({ base: g.base, key: keyA, method: "POST", seconds: floodSeconds, connections: o.connections }));
    children.push(await startFloodChild({ base: g.base, key: keyA, method: "GET", seconds: floodSeconds, connections: o.connections }));
    const factory = new EventFactory("flood-b", 9);

    const quiet = async (name: "alone" | "alone-after"): Promise<FloodPhase> => {
      await fitInMinute(o.bSeconds + 1);
      const from = Date.now();
      const { samples: _samples, ...b } = await pacedIngest(g.base, keyB, factory, o);
      const jobs = jobsBetween(from, Date.now());
      log(`  ${name}: B p50 ${b.p50Ms.toFixed(1)} ms, p99 ${b.p99Ms.toFixed(1)} ms, max ${b.maxMs.toFixed(0)} ms, ${JSON.stringify(b.statuses)}, send lag ≤ ${b.maxSendLagMs.toFixed(1)} ms, jobs [${jobs.join(", ")}]`);
      return { name, startedAt: new Date(from).toISOString(), b, jobs };
    };
    const flooded = async (name: "post-flood" | "get-flood", child: FloodChild, freshMinute: boolean): Promise<FloodPhase> => {
      // A minute A has not searched in yet: its whole search budget; and no cron fires (on the minute) during the flood.
      if (freshMinute) await intoNextMinute(3);
      else await fitInMinute(floodSeconds + 1);
      const from = Date.now();
      await child.go();
      await sleep(FLOOD_EXTRA_S * 1000);
      const bStart = Date.now();
      const { samples, ...b } = await pacedIngest(g.base, keyB, factory, o);
      const a = await child.result;
      const cut = a.last200At === null ? 0 : a.last200At - bStart;
      const whileAdmitted = samples.filter((s) => s.atMs < cut).map((s) => s.ms);
      const afterAdmitted = samples.filter((s) => s.atMs >= cut).map((s) => s.ms);
      const jobs = jobsBetween(from, Date.now());
      const bWhileAdmitted = summary(whileAdmitted);
      const bAfterAdmitted = summary(afterAdmitted);
      log(
        `  ${name}: B p50 ${b.p50Ms.toFixed(1)} ms, p99 ${b.p99Ms.toFixed(1)} ms, max ${b.maxMs.toFixed(0)} ms, ${JSON.stringify(b.statuses)}, send lag ≤ ${b.maxSendLagMs.toFixed(1)} ms; ` +
          `while A's searches ran ${JSON.stringify(bWhileAdmitted)}, after ${JSON.stringify(bAfterAdmitted)}; ` +
          `A ${a.requests} requests (${a.reqPerS.toFixed(0)}/s) ${JSON.stringify(a.answers)}, errors ${a.errors}, 200s from +${a.first200At === null ? "-" : a.first200At - from} to +${a.last200At === null ? "-" : a.last200At - from} ms; jobs [${jobs.join(", ")}]`,
      );
      return { name, startedAt: new Date(from).toISOString(), b, a, bWhileAdmitted, bAfterAdmitted, jobs };
    };
    const settle = async () => {
      await drained(g.base, 60_000);
      await sleep(1000);
    };

    // alone at :03 of a minute, the POST flood in the rest of it, the GET flood from :03 of the next one, alone again.
    await intoNextMinute(3);
    const alone = await quiet("alone");
    await settle();
    const post = await flooded("post-flood", children[0]!, false);
    await settle();
    const get = await flooded("get-flood", children[1]!, true);
    await settle();
    const after = await quiet("alone-after");
    const { log: _log, ...options } = o;
    return { options, patternsA: patternCount, alone, post, get, after, seconds: (Date.now() - t0) / 1000 };
  } finally {
    for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGTERM");
    await stopGleaner(g);
  }
}

/** Checks that mean something is broken (not slow): B refused or failed, A answered 5xx or errors. */
export function floodBroken(f: FloodFigure): string[] {
  const out: string[] = [];
  for (const p of [f.alone, f.post, f.get, f.after]) {
    if (p.b.ok2xx !== p.b.sent) out.push(`flood ${p.name}: key B got ${p.b.sent - p.b.ok2xx} non-2xx answers ${JSON.stringify(p.b.statuses)}`);
    if (p.a && (p.a.errors > 0 || Object.keys(p.a.answers).some((k) => k.startsWith("5")))) out.push(`flood ${p.name}: key A's flood got ${JSON.stringify(p.a.answers)}, ${p.a.errors} errors`);
  }
  return out;
}

const ms = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "n/a" : x < 10 ? x.toFixed(1) : x.toFixed(0));
const x2 = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "n/a");

/** The flood's rows for the benchmark table. */
export function floodRows(f: FloodFigure): Row[] {
  const o = f.options;
  const alone = f.alone.b;
  const after = f.after.b;
  const rows: Row[] = [];
  for (const p of [f.post, f.get]) {
    const a = p.a!;
    const b = p.b;
    const r99 = b.p99Ms / alone.p99Ms;
    rows.push({
      measure: `flood: key B ingest p50 / p99 (ms; ${o.bReqPerS}/s × ${o.bEvents} events, ${o.bSeconds} s) while key A floods ${a.method} /v1/patterns/search (${o.connections} conn.)`,
      gleaner:
        `${ms(b.p50Ms)} / ${ms(b.p99Ms)} (${b.ok2xx}/${b.sent} 2xx; while A's searches were admitted, ${p.bWhileAdmitted?.n ?? 0} requests: ${ms(p.bWhileAdmitted?.p50Ms)} / ${ms(p.bWhileAdmitted?.p99Ms)}; ` +
        `then, A only refused, ${p.bAfterAdmitted?.n ?? 0}: ${ms(p.bAfterAdmitted?.p50Ms)} / ${ms(p.bAfterAdmitted?.p99Ms)})`,
      baseline: `B alone ${ms(alone.p50Ms)} / ${ms(alone.p99Ms)} (${alone.ok2xx}/${alone.sent} 2xx); again after ${ms(after.p50Ms)} / ${ms(after.p99Ms)}`,
      ratio: `${x2(b.p50Ms / alone.p50Ms)} / ${x2(r99)}`,
      target: "p99 ≤ 1.15× alone",
      met: r99 <= 1.15 ? "yes" : "no",
    });
    const other = Object.entries(a.answers)
      .filter(([k]) => k !== "200" && k !== "429 rate" && !k.startsWith("429 concurrency"))
      .map(([k, v]) => `, ${k} ${v}`)
      .join("");
    rows.push({
      measure: `flood: key A's answers, ${a.method} /v1/patterns/search for ${a.seconds.toFixed(0)} s (${f.patternsA} patterns in A)`,
      gleaner: `${a.requests} (${a.reqPerS.toFixed(0)}/s): 200 ${a.ok200}, 429 rate ${a.rate429}, 429 concurrency ${a.concurrency429}${other}; errors ${a.errors}`,
      baseline: "",
      ratio: "",
      target: "",
      met: "—",
    });
  }
  return rows;
}

if (process.argv.includes("--flood-child") && process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await floodChild(JSON.parse(process.argv[process.argv.indexOf("--flood-child") + 1]!));
  process.exit(0);
}

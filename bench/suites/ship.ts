import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createKey } from "../lib/client";
import { PROJECT_DIR, startGleaner, stopGleaner, tempDir, UNTHROTTLED } from "../lib/gleaner";
import { cpuSeconds, findInTree } from "../lib/proc";
import type { ShipSummary } from "../../cli/ship/progress";

export const FIXTURES_DIR = resolve(PROJECT_DIR, "../shared/fixtures/legacy-telemetry");

export type { ShipSummary };

export interface ShipFigure {
  /** The real fixtures, or (in a checkout without ../shared, e.g. CI) synthetic legacy lines. */
  corpus: "fixtures" | "synthetic";
  mb: number;
  lines: number;
  seconds: number;
  mbPerS: number | null;
  eventsPerS: number | null;
  summary: ShipSummary | null;
  /** CPU seconds the shipper and workerd used during the run: who the bottleneck is. */
  shipperCpuS?: number;
  workerdCpuS?: number;
  error?: string;
}

/** Legacy lines as two producers wrote them (Python json.dumps style), for checkouts without the fixtures. */
function syntheticSources(): { name: string; text: string }[] {
  const lines = (make: (i: number) => Record<string, unknown>) =>
    Array.from({ length: 500 }, (_, i) => `${JSON.stringify(make(i)).replaceAll('","', '", "').replaceAll('":', '": ')}\n`).join("");
  return [
    {
      name: "hybrid-events.jsonl",
      text: lines((i) => ({ event_type: "local_inference", timestamp: `2026-06-01T12:00:${String(i % 60).padStart(2, "0")}.000000+00:00`, query: `question ${i} about rotating logs`, response: `answer ${i}: use logrotate with copytruncate`, model: "local", latency_ms: i })),
    },
    {
      name: "aidb-events.jsonl",
      text: lines((i) => ({ timestamp: "2026-06-01T12:00:00.000000+00:00", source: "aidb", event_type: "skills_list", llm_used: null, tokens_saved: 0, rag_hits: 0, collections_used: [], model: null, latency_ms: i, cache_hit: null, metadata: { count: i } })),
    },
  ];
}

/**
 * The legacy fixtures repeated until they reach `targetMb`, one file per
 * producer under its own name (the label decides nothing but the id, and
 * every copy sits at another offset, so every line is a new event). Without
 * the fixtures (a checkout without ../shared), synthetic legacy lines.
 */
export function buildCorpus(targetMb: number, dir: string, fixturesDir = FIXTURES_DIR): { files: string[]; bytes: number; corpus: ShipFigure["corpus"] } {
  mkdirSync(dir, { recursive: true });
  const corpus = existsSync(fixturesDir) ? "fixtures" : "synthetic";
  const sources =
    corpus === "fixtures"
      ? readdirSync(fixturesDir).filter((f) => f.endsWith(".jsonl")).sort().map((name) => ({ name, text: readFileSync(join(fixturesDir, name), "utf8") }))
      : syntheticSources();
  const texts = sources.map((src) => (src.text.endsWith("\n") ? src.text : `${src.text}\n`));
  const once = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const copies = Math.max(1, Math.round((targetMb * 1024 * 1024) / once));
  const files = sources.map((src, i) => {
    const path = join(dir, src.name);
    writeFileSync(path, texts[i]!.repeat(copies));
    return path;
  });
  return { files, bytes: files.reduce((n, f) => n + statSync(f).size, 0), corpus };
}

/** Runs `gleaner ship --once` over `files` into `base`; its exit code, output and the most CPU seconds it was seen to use. */
export function runShip(base: string, key: string, stateDir: string, files: string[]): Promise<{ code: number | null; stdout: string; stderr: string; cpuS: number }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, ["bin/gleaner.mjs", "ship", "--url", base, "--key", key, "--once", "--state", stateDir, ...files], {
      cwd: PROJECT_DIR,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let cpuS = 0;
    const timer = setInterval(() => (cpuS = Math.max(cpuS, cpuSeconds(child.pid!))), 200);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => {
      clearInterval(timer);
      ok({ code, stdout, stderr, cpuS });
    });
  });
}

/**
 * MB/s of `gleaner ship --once` over the corpus into a fresh Gleaner. The
 * backlog budget is raised so the figure is import (durable acceptance), not
 * the scoring rate, which the end-to-end figure reports.
 */
export async function measureShip(targetMb: number, fixturesDir = FIXTURES_DIR): Promise<ShipFigure> {
  const work = tempDir("gleaner-bench-ship-");
  const corpus = buildCorpus(targetMb, join(work, "corpus"), fixturesDir);
  const mb = corpus.bytes / 1024 / 1024;
  const g = await startGleaner(join(work, "data"), UNTHROTTLED);
  try {
    const key = await createKey(g.base, "bench-ship");
    const workerd = findInTree(g.pid, "workerd");
    const workerdBefore = workerd ? cpuSeconds(workerd) : 0;
    const started = Date.now();
    const run = await runShip(g.base, key, join(work, "ship-state"), corpus.files);
    const seconds = (Date.now() - started) / 1000;
    const workerdCpuS = workerd ? cpuSeconds(workerd) - workerdBefore : undefined;
    const last = run.stdout.trim().split("\n").at(-1) ?? "";
    let summary: ShipSummary | null = null;
    try {
      summary = JSON.parse(last) as ShipSummary;
    } catch {
      summary = null;
    }
    if (run.code !== 0 || !summary) {
      return { corpus: corpus.corpus, mb, lines: 0, seconds, mbPerS: null, eventsPerS: null, summary, error: `gleaner ship exited ${run.code}: ${(run.stderr || run.stdout).trim().slice(-500)}` };
    }
    return { corpus: corpus.corpus, mb, lines: summary.lines, seconds, mbPerS: mb / seconds, eventsPerS: summary.accepted / seconds, summary, shipperCpuS: run.cpuS, ...(workerdCpuS !== undefined ? { workerdCpuS } : {}) };
  } finally {
    await stopGleaner(g);
  }
}

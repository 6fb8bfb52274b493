import type { E2eFigure } from "../suites/e2e";
import type { IngestFigure } from "../suites/ingest";
import type { KnnFigure } from "../knn/measure";
import type { MemoryFigure } from "../suites/memory";
import type { ShipFigure } from "../suites/ship";
import type { CrashSoakResult } from "../soak/crash";
import type { FuzzResult } from "../soak/fuzz";
import type { OutageResult } from "../soak/outage";
import type { SlowSinkResult } from "../soak/slow-sink";
import type { Machine } from "./machine";

export interface Figures {
  ingest?: IngestFigure;
  e2e?: E2eFigure;
  memory100k?: MemoryFigure;
  memory1m?: MemoryFigure;
  knn?: KnnFigure[];
  ship?: ShipFigure;
  crash?: CrashSoakResult;
  outage?: OutageResult;
  fuzz?: FuzzResult;
  slowSink?: SlowSinkResult;
}

export interface Row {
  measure: string;
  gleaner: string;
  baseline: string;
  ratio: string;
  target: string;
  met: "yes" | "no" | "—";
}

const n = (x: number | null | undefined, digits = 0) =>
  x === null || x === undefined || !Number.isFinite(x) ? "n/a" : x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const r = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? "n/a" : `${x.toFixed(2)}×`);
const met = (ok: boolean | undefined): Row["met"] => (ok === undefined ? "—" : ok ? "yes" : "no");

/** The one table: every figure next to the baseline measured in the same run. */
export function rows(f: Figures): Row[] {
  const out: Row[] = [];
  const i = f.ingest;
  if (i) {
    const ratio = i.ingestEventsPerS / i.baselineEventsPerS;
    out.push({ measure: "ingest events/s (100 × ~1 KB per request)", gleaner: n(i.ingestEventsPerS), baseline: `Node http + better-sqlite3 ${n(i.baselineEventsPerS)}`, ratio: r(ratio), target: "≥ 0.5×", met: met(ratio >= 0.5) });
    out.push({ measure: "ingest MB/s", gleaner: n(i.ingestMbPerS, 1), baseline: `Node + SQLite ${n(i.baselineMbPerS, 1)}`, ratio: r(i.ingestMbPerS / i.baselineMbPerS), target: "", met: "—" });
    out.push({ measure: "ingest requests/s", gleaner: n(i.ingestEventsPerS / 100), baseline: `runtime ceiling (GET /healthz) ${n(i.ceilingReqPerS)}`, ratio: r(i.ingestEventsPerS / 100 / i.ceilingReqPerS), target: "", met: "—" });
    out.push({ measure: "ingest latency p50 / p99 (ms)", gleaner: `${n(i.p50.gleaner)} / ${n(i.p99.gleaner)}`, baseline: `Node + SQLite ${n(i.p50.baseline)} / ${n(i.p99.baseline)}; /healthz ${n(i.p50.ceiling)} / ${n(i.p99.ceiling)}`, ratio: `${r(i.p50.gleaner / i.p50.baseline)} / ${r(i.p99.gleaner / i.p99.baseline)}`, target: "", met: "—" });
  }
  const e = f.e2e;
  if (e) {
    const s = e.sustained;
    const ratio = s && i ? s.processedEventsPerS / i.ingestEventsPerS : undefined;
    out.push({
      measure: "end-to-end accepted → scored events/s, lag < 10 s",
      gleaner: s ? n(s.processedEventsPerS) : "not sustained",
      baseline: i ? `ingest ${n(i.ingestEventsPerS)}` : "",
      ratio: r(ratio),
      target: "≥ 0.2× ingest",
      met: met(ratio !== undefined ? ratio >= 0.2 : s ? undefined : false),
    });
    const lag = s?.maxLagS ?? Math.min(...e.attempts.map((a) => a.maxLagS));
    const tried = e.attempts.map((a) => {
      const extra = [
        Object.keys(a.heartbeatsResent ?? {}).length ? `heartbeats resent ${JSON.stringify(a.heartbeatsResent)}` : "",
        Object.keys(a.heartbeatsFailed ?? {}).length ? `heartbeats failed ${JSON.stringify(a.heartbeatsFailed)}` : "",
      ].filter(Boolean);
      return `${n(a.offeredEventsPerS)}/s offered → ${n(a.processedEventsPerS)}/s processed, lag max ${n(a.maxLagS, 1)} s${extra.length ? ` (${extra.join("; ")})` : ""}`;
    });
    out.push({ measure: "end-to-end rates tried, in order", gleaner: tried.join("; ") || "none", baseline: "", ratio: "", target: "", met: "—" });
    out.push({ measure: "end-to-end heartbeat lag, max (median) s", gleaner: `${n(lag, 1)} (${n(s?.medianLagS, 1)})`, baseline: `consumers alone drain ${n(e.drainEventsPerS)} events/s (scored and extracted)`, ratio: "", target: "< 10 s", met: met(lag < 10) });
  }
  const m1 = f.memory100k;
  const m2 = f.memory1m;
  const resends = (m: MemoryFigure) => {
    const total = Object.values(m.resent ?? {}).reduce((a, b) => a + b, 0);
    return total ? `; ${total} requests resent after their connection closed: ${JSON.stringify(m.resent)}` : "";
  };
  if (m1) out.push({ measure: `peak RSS, ${n(m1.events / 1000)}k events flowing (MB)`, gleaner: `${n(m1.peakTreeMb)} (workerd ${n(m1.peakWorkerdMb)}, runner ${n(m1.peakRunnerMb)}${resends(m1)})`, baseline: `idle ${n(m1.idleTreeMb)}`, ratio: r(m1.peakTreeMb / m1.idleTreeMb), target: "< 512 MB", met: met(m1.peakTreeMb < 512) });
  if (m2 && m1) {
    const ratio = m2.peakTreeMb / m1.peakTreeMb;
    out.push({ measure: `peak RSS, ${n(m2.events / 1_000_000)}M events flowing (MB)`, gleaner: `${n(m2.peakTreeMb)} (workerd ${n(m2.peakWorkerdMb)}, runner ${n(m2.peakRunnerMb)}${resends(m2)})`, baseline: `${n(m1.events / 1000)}k run ${n(m1.peakTreeMb)}`, ratio: r(ratio), target: "< 512 MB, ≤ 1.3× 100k", met: met(m2.peakTreeMb < 512 && ratio <= 1.3) });
  }
  for (const k of f.knn ?? []) {
    const big = k.vectors >= 100_000;
    out.push({ measure: `embedded kNN, ${n(k.vectors / 1000)}k vectors (ms per search)`, gleaner: n(k.storeMs, 1), baseline: `bare dot-product loop ${n(k.floorMs, 1)}`, ratio: r(k.ratio), target: big ? "≤ 4×" : "≤ 2×", met: met(k.ratio <= (big ? 4 : 2)) });
  }
  const sh = f.ship;
  if (sh) out.push({ measure: `legacy import, gleaner ship --once (${n(sh.mb, 0)} MB${sh.corpus === "synthetic" ? " of synthetic lines: no ../shared/fixtures" : ""})`, gleaner: sh.mbPerS === null ? `n/a: ${sh.error}` : `${n(sh.mbPerS, 2)} MB/s (${n(sh.eventsPerS)} events/s${sh.shipperCpuS !== undefined ? `; CPU s of ${n(sh.seconds)} s: shipper ${n(sh.shipperCpuS)}, workerd ${n(sh.workerdCpuS)}` : ""})`, baseline: i ? `ingest ${n(i.ingestMbPerS, 1)} MB/s` : "", ratio: sh.mbPerS && i ? r(sh.mbPerS / i.ingestMbPerS) : "", target: "≥ 10 MB/s", met: met(sh.mbPerS !== null && sh.mbPerS >= 10) });
  const c = f.crash;
  if (c) out.push({ measure: `crash soak: kill -9 × ${c.cycles} under load`, gleaner: `accepted ${n(c.accepted)}, lost ${c.lost}, duplicated ${c.duplicated}`, baseline: "", ratio: "", target: "20 cycles, 0 lost, 0 duplicated", met: met(c.ok && c.cycles >= 20) });
  const o = f.outage;
  if (o) out.push({ measure: `outage: LLM + embeddings down ${o.outageS} s`, gleaner: `ingest all 2xx: ${o.ingestAll2xx}; breakers ${JSON.stringify(o.breakerPeak)} → ${JSON.stringify(o.breakerEnd)}; lost ${o.lost}`, baseline: "", ratio: "", target: "2xx, breakers open+close, drains, 0 lost", met: met(o.ok) });
  const z = f.fuzz;
  if (z) out.push({ measure: `fuzz: ${n(z.payloads)} bad payloads`, gleaner: `5xx ${z.serverErrors}, crashed ${z.crashed}, unexplained ${z.unexplained}, 2xx ${z.accepted2xx}`, baseline: "", ratio: "", target: "0 5xx, 0 crashes, all explained", met: met(z.ok) });
  const sl = f.slowSink;
  if (sl) out.push({ measure: `slow sink: budget ${n(sl.backlogBudget)} events, flood ${sl.floodS} s`, gleaner: `429 + Retry-After after ${n(sl.firstRejectionAfterS, 1)} s, backlog peak ${n(sl.backlogPeak)}, workerd ${n(sl.peakWorkerdMb)} MB, lost ${sl.lost}`, baseline: `idle tree ${n(sl.idleTreeMb)} MB`, ratio: "", target: "429 before memory budget, 0 lost", met: met(sl.ok) });
  return out;
}

export function markdownTable(list: Row[]): string {
  const head = "| measure | Gleaner | baseline (same run) | ratio | target | met |\n| --- | --- | --- | --- | --- | --- |";
  return [head, ...list.map((x) => `| ${x.measure} | ${x.gleaner} | ${x.baseline} | ${x.ratio} | ${x.target} | ${x.met} |`)].join("\n");
}

/** The keys issue 11 asks for, then the rest of what was measured. */
export function latestJson(f: Figures, machine: Machine, command: string, startedAt: Date, seconds: number) {
  const knnAt = (v: number) => f.knn?.find((k) => k.vectors === v);
  const round = (x: number | null | undefined, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);
  return {
    ingest_events_per_s: round(f.ingest?.ingestEventsPerS, 0),
    ingest_mb_per_s: round(f.ingest?.ingestMbPerS, 2),
    ingest_p50_ms: f.ingest?.p50.gleaner ?? null,
    ingest_p99_ms: f.ingest?.p99.gleaner ?? null,
    runtime_ceiling_req_per_s: round(f.ingest?.ceilingReqPerS, 0),
    node_sqlite_events_per_s: round(f.ingest?.baselineEventsPerS, 0),
    e2e_events_per_s: round(f.e2e?.sustained?.processedEventsPerS, 0),
    e2e_max_lag_s: round(f.e2e?.sustained?.maxLagS ?? (f.e2e ? Math.min(...f.e2e.attempts.map((a) => a.maxLagS)) : null), 2),
    rss_mb_100k: round(f.memory100k?.peakTreeMb, 0),
    rss_mb_1m: round(f.memory1m?.peakTreeMb, 0),
    rss_workerd_mb_100k: round(f.memory100k?.peakWorkerdMb, 0),
    rss_workerd_mb_1m: round(f.memory1m?.peakWorkerdMb, 0),
    knn_ms_10k: round(knnAt(10_000)?.storeMs, 2),
    knn_floor_ms_10k: round(knnAt(10_000)?.floorMs, 2),
    knn_ms_100k: round(knnAt(100_000)?.storeMs, 2),
    knn_floor_ms_100k: round(knnAt(100_000)?.floorMs, 2),
    ship_mb_per_s: round(f.ship?.mbPerS ?? null, 2),
    ship_error: f.ship?.error ?? null,
    soak_cycles: f.crash?.cycles ?? null,
    soak_lost: f.crash?.lost ?? null,
    soak_duplicated: f.crash?.duplicated ?? null,
    outage_ok: f.outage?.ok ?? null,
    fuzz_payloads: f.fuzz?.payloads ?? null,
    fuzz_5xx: f.fuzz?.serverErrors ?? null,
    slow_sink_ok: f.slowSink?.ok ?? null,
    machine,
    command,
    started_at: startedAt.toISOString(),
    duration_s: Math.round(seconds),
    table: rows(f),
    details: f,
  };
}

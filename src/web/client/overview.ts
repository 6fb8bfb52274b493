import { ApiFailure, api, call, describeFailure } from "./api";
import { barChart, lineChart, meter } from "./charts";
import { byId, fill, h, setText, tbody } from "./dom";
import { fmtAgo, fmtBytes, fmtInt, fmtRate, fmtSeconds, fmtValue } from "./format";

/**
 * The overview (admin token): GET /v1/admin/overview and GET /readyz polled
 * every `?every=N` seconds (default 5), the rates between polls of this tab,
 * and the server-side history of the last day (GET /v1/admin/history, on
 * load and then once a minute), which the throughput, lag and backlog charts
 * draw while it has points, so a freshly opened page shows the last day.
 */
interface Overview {
  now: string;
  counters: Record<string, number>;
  backlog: { events: number; chunks: number; lag_seconds: number };
  score_distribution?: { bucket: string; n: number }[];
  jobs?: {
    name: string;
    last_success_at?: string | null;
    last_started_at?: string | null;
    runs: number;
    failures: number;
    last_error?: string | null;
    last_result?: unknown;
  }[];
  breakers?: { dependency: string; state: string }[];
  recent_patterns?: Record<string, unknown>[];
  datasets?: Record<string, unknown>[];
}

interface Check {
  status: string;
  reason: string;
  cap_bytes?: number;
  size_bytes?: number;
  budget?: { maxLagSeconds: number; maxBacklogEvents: number };
}

interface Readiness {
  status: string;
  checks: Record<string, Check>;
}

interface History {
  resolution: string;
  series: Record<string, [string, number][]>;
}

interface Point {
  t: number;
  received: number;
  processed: number;
  lag: number;
  backlog: number;
}

const KEEP = 120;

/** Sum of a counter over all its label sets ("name" and "name{...}" keys). */
function counter(o: Overview, name: string): number {
  let total = 0;
  for (const [k, v] of Object.entries(o.counters)) if (k === name || k.startsWith(`${name}{`)) total += v;
  return total;
}

/** Per-second rates of one field between successive polls. */
function rates(history: Point[], field: "received" | "processed"): number[] {
  const out: number[] = [];
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1];
    const b = history[i];
    if (!a || !b) continue;
    const dt = (b.t - a.t) / 1000;
    if (dt > 0) out.push(Math.max(0, b[field] - a[field]) / dt);
  }
  return out;
}

const last = <T>(a: T[]): T | undefined => a[a.length - 1];

function renderTotals(o: Overview, history: Point[]): void {
  setText("received", fmtInt(counter(o, "events_received_total")));
  setText("processed", fmtInt(counter(o, "events_processed_total")));
  setText("rejected", fmtInt(counter(o, "events_rejected_total")));
  setText("duplicates", fmtInt(counter(o, "duplicates_total")));
  setText("errors", fmtInt(counter(o, "errors_total")));
  setText("refused", fmtInt(counter(o, "backpressure_rejections_total")));
  setText("dead-letters", `${fmtInt(counter(o, "dead_letters_total"))} dead letters`);
  const measuring = history.length < 2 ? "measuring…" : null;
  setText("received-rate", measuring ?? `${fmtRate(last(rates(history, "received")))} now`);
  setText("processed-rate", measuring ?? `${fmtRate(last(rates(history, "processed")))} now`);
}

type Past = History["series"] | null;

/** A server-side series' values (per minute, divided by `per`), or null when it has fewer than two points to draw. */
function pastValues(past: Past, name: string, per = 1): number[] | null {
  const points = past?.[name];
  if (!points || points.length < 2) return null;
  return points.map((p) => p[1] / per);
}

/** The span of a server-side series, in seconds. */
function pastSpan(points: [string, number][]): number {
  const first = points[0];
  const end = last(points);
  return first && end ? (Date.parse(end[0]) - Date.parse(first[0])) / 1000 + 60 : 0;
}

/** Throughput from the server-side history while it has points (a fresh tab shows the last day), else from this tab's polls. */
function renderThroughput(history: Point[], everyMs: number, past: Past): void {
  const received = pastValues(past, "events_received", 60);
  if (received && past?.events_received) {
    setText("throughput-window", `last ${fmtSeconds(pastSpan(past.events_received))}, per minute`);
    lineChart(
      byId("throughput-chart"),
      [
        { values: received, className: "received", label: "events received per second" },
        { values: pastValues(past, "events_processed", 60) ?? [], className: "processed", label: "events processed per second" },
      ],
      { height: 120, label: "throughput", format: fmtRate, waiting: "" },
    );
    return;
  }
  const first = history[0];
  const end = last(history);
  const span = first && end && history.length > 1 ? (end.t - first.t) / 1000 : 0;
  setText("throughput-window", span ? `last ${fmtSeconds(span)}, sampled every ${everyMs / 1000} s` : "");
  lineChart(
    byId("throughput-chart"),
    [
      { values: rates(history, "received"), className: "received", label: "events received per second" },
      { values: rates(history, "processed"), className: "processed", label: "events processed per second" },
    ],
    { height: 120, label: "throughput", format: fmtRate, waiting: "The chart starts after two polls." },
  );
}

function renderQueue(o: Overview, history: Point[], queue: Check | undefined, past: Past): void {
  const budget = queue?.budget;
  setText("lag", fmtSeconds(o.backlog.lag_seconds));
  setText("lag-detail", `oldest accepted event not yet processed${budget ? ` · budget ${fmtSeconds(budget.maxLagSeconds)}` : ""}`);
  setText("backlog", fmtInt(o.backlog.events));
  setText("backlog-detail", `events in ${fmtInt(o.backlog.chunks)} chunks${budget ? ` · budget ${fmtInt(budget.maxBacklogEvents)}` : ""}`);
  const lagEl = byId("lag-chart");
  const backlogEl = byId("backlog-chart");
  const lags = pastValues(past, "lag_seconds") ?? history.map((p) => p.lag);
  const backlogs = pastValues(past, "backlog_events") ?? history.map((p) => p.backlog);
  lineChart(lagEl, [{ values: lags, className: "lag", label: "lag in seconds" }], { height: 56, label: "lag", format: fmtSeconds, waiting: "" });
  lineChart(backlogEl, [{ values: backlogs, className: "backlog", label: "events waiting" }], {
    height: 56,
    label: "backlog",
    format: fmtInt,
    waiting: "",
  });
  if (budget) {
    lagEl.append(meter(o.backlog.lag_seconds / budget.maxLagSeconds, `lag against its ${budget.maxLagSeconds} s budget`));
    backlogEl.append(meter(o.backlog.events / budget.maxBacklogEvents, `backlog against its budget of ${budget.maxBacklogEvents} events`));
  }
}

function renderScores(o: Overview): void {
  const counts = new Map<string, number>();
  let total = 0;
  for (const b of o.score_distribution ?? []) {
    counts.set(b.bucket, b.n);
    total += b.n;
  }
  const bars = Array.from({ length: 10 }, (_, i) => {
    const lo = (i / 10).toFixed(1);
    const n = counts.get(lo) ?? 0;
    return { label: lo, value: n, title: `value ${lo}–${((i + 1) / 10).toFixed(1)}: ${fmtInt(n)} events` };
  });
  const unknown = counts.get("unknown") ?? 0;
  bars.push({ label: "unknown", value: unknown, className: "unknown", title: `no evidence of value yet: ${fmtInt(unknown)} events` } as (typeof bars)[number]);
  byId("score-chart").setAttribute("data-total", String(total));
  barChart(byId("score-chart"), bars, { height: 150, label: `events by value score (${fmtInt(total)} scored)` });
}

function statusItem(status: string, name: string, reason: string, extra?: Node | null): HTMLElement {
  return h(
    "li",
    {},
    h("span", { class: `dot ${status}`, title: status }),
    h("div", {}, h("span", { class: "name" }, name), h("span", { class: "reason" }, reason), extra),
  );
}

function renderChecks(readiness: Readiness | null): void {
  const el = byId("checks");
  if (!readiness) {
    fill(el, h("li", { class: "none" }, "/readyz has not answered"));
    return;
  }
  fill(
    el,
    Object.entries(readiness.checks).map(([name, c]) => {
      const extra =
        name === "storage" && c.cap_bytes ? meter((c.size_bytes ?? 0) / c.cap_bytes, `${fmtBytes(c.size_bytes ?? 0)} of ${fmtBytes(c.cap_bytes)}`) : null;
      return statusItem(c.status, name.replace(/_/g, " "), c.reason, extra);
    }),
  );
}

function renderBreakers(o: Overview): void {
  const list = o.breakers ?? [];
  fill(
    byId("breakers"),
    list.length
      ? list.map((b) => statusItem(b.state, b.dependency, `circuit ${b.state.replace("_", "-")}`))
      : h("li", { class: "none" }, "none yet: no outside dependency has been called"),
  );
}

function renderJobs(o: Overview, readiness: Readiness | null): void {
  const now = Date.parse(o.now);
  const jobs = [...(o.jobs ?? [])];
  const seen = new Set(jobs.map((j) => j.name));
  for (const k of Object.keys(readiness?.checks ?? {}))
    if (k.startsWith("cron_") && !seen.has(k.slice(5))) jobs.push({ name: k.slice(5), runs: 0, failures: 0 });
  const rows = jobs.map((j) => {
    const check = readiness?.checks[`cron_${j.name}`];
    return h(
      "tr",
      {},
      h("td", {}, h("span", { class: `dot ${check ? check.status : ""}`, title: check ? check.reason : "" }), " ", j.name),
      h("td", {}, fmtAgo(j.last_success_at, now)),
      h("td", {}, fmtAgo(j.last_started_at, now)),
      h("td", { class: "num" }, fmtInt(j.runs)),
      h("td", { class: "num" }, fmtInt(j.failures)),
      j.last_error ? h("td", { class: "error" }, j.last_error) : h("td", { class: "result" }, fmtValue(j.last_result)),
    );
  });
  const body = tbody("jobs");
  fill(body, rows.length ? rows : h("tr", {}, h("td", { class: "none", colspan: 6 }, "none yet")));
}

/** A list of records: a title, an optional detail line and the remaining short fields. */
function renderItems(
  id: string,
  items: Record<string, unknown>[] | undefined,
  titleKeys: string[],
  detailKeys: string[],
  empty: string,
  now: number,
  href?: (it: Record<string, unknown>) => string | null,
): void {
  const el = byId(id);
  if (!Array.isArray(items) || items.length === 0) {
    fill(el, h("li", { class: "none" }, empty));
    return;
  }
  fill(
    el,
    items.slice(0, 8).map((it) => {
      const pick = (keys: string[]) => keys.find((k) => typeof it[k] === "string" && it[k]) ?? null;
      const tk = pick(titleKeys);
      const dk = pick(detailKeys);
      const meta = Object.keys(it)
        .filter((k) => k !== tk && k !== dk && k !== "id" && k !== "schema_version" && it[k] !== null && typeof it[k] !== "object")
        .slice(0, 6)
        .map((k) => {
          const v = it[k];
          if (/_bytes$/.test(k)) return fmtBytes(Number(v));
          if (/_at$/.test(k)) return `${k.replace(/_at$/, "")} ${fmtAgo(String(v), now)}`;
          return `${k.replace(/_/g, " ")} ${fmtValue(v)}`;
        });
      const title = tk ? String(it[tk]) : "(untitled)";
      const target = href?.(it);
      return h(
        "li",
        {},
        h("div", { class: "title" }, target ? h("a", { href: target }, title) : title),
        dk ? h("div", {}, String(it[dk])) : null,
        h("div", { class: "meta" }, meta.join(" · ")),
      );
    }),
  );
}

/** Charts of the server-side history, grouped; any series not grouped gets its own chart. */
const HISTORY_GROUPS: { title: string; series: string[]; format: (v: number) => string }[] = [
  { title: "events received and processed per minute", series: ["events_received", "events_processed"], format: fmtInt },
  { title: "lag (s)", series: ["lag_seconds"], format: fmtSeconds },
  { title: "backlog (events)", series: ["backlog_events"], format: fmtInt },
  { title: "rejections", series: ["events_rejected"], format: fmtInt },
  { title: "mean score", series: ["mean_score"], format: (v) => v.toFixed(2) },
  { title: "high-value events", series: ["high_value"], format: fmtInt },
];

function renderHistory(history: History | null, problem: string | null): void {
  const el = byId("history");
  const series = history?.series ?? {};
  setText("history-status", problem ?? `per ${history?.resolution ?? "minute"}, kept by Gleaner: a freshly opened page shows the last day`);
  const groups = HISTORY_GROUPS.map((g) => ({ ...g, series: g.series.filter((n) => n in series) })).filter((g) => g.series.length > 0);
  const grouped = new Set(groups.flatMap((g) => g.series));
  for (const name of Object.keys(series))
    if (!grouped.has(name) && !name.includes(".")) groups.push({ title: name.replace(/_/g, " "), series: [name], format: fmtInt });
  if (groups.length === 0) groups.push(...HISTORY_GROUPS.slice(0, 3).map((g) => ({ ...g, series: [] as string[] })));
  fill(
    el,
    groups.map((g) => {
      const chart = h("div", { class: "chart", "data-series": g.series.join(" ") });
      const box = h("figure", { class: "history-chart" }, h("figcaption", {}, g.title), chart);
      queueMicrotask(() =>
        lineChart(
          chart,
          g.series.map((n, i) => ({ values: (series[n] ?? []).map((p) => p[1]), className: i === 0 ? "received" : "processed", label: n.replace(/_/g, " ") })),
          { height: 70, label: g.title, format: g.format, waiting: "no history yet" },
        ),
      );
      return box;
    }),
  );
}

export function renderOverviewPage(): () => void {
  const everyMs = Math.max(1, Number(new URLSearchParams(location.search).get("every")) || 5) * 1000;
  let points: Point[] = [];
  let overview: Overview | null = null;
  let readiness: Readiness | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let historyAt = 0;
  let past: Past = null;
  let stopped = false;
  const pill = byId("readiness");
  pill.hidden = false;

  function draw(): void {
    if (!overview) return;
    renderTotals(overview, points);
    renderThroughput(points, everyMs, past);
    renderQueue(overview, points, readiness?.checks.queue, past);
    renderScores(overview);
    renderJobs(overview, readiness);
    renderBreakers(overview);
    const now = Date.parse(overview.now);
    renderItems(
      "patterns",
      overview.recent_patterns,
      ["problem", "title", "name", "summary", "pattern", "id"],
      ["lesson", "approach", "description"],
      "none yet: patterns appear once high-value events are distilled",
      now,
      (it) => (typeof it.id === "string" ? `/patterns/${encodeURIComponent(it.id)}` : null),
    );
    renderItems("datasets", overview.datasets, ["name", "title", "id"], ["description"], "none yet: no dataset has been built", now, (it) =>
      typeof it.name === "string" ? `/datasets/${encodeURIComponent(it.name)}` : null,
    );
  }

  async function pollReadiness(): Promise<void> {
    try {
      readiness = (await (await fetch("/readyz", { cache: "no-store" })).json()) as Readiness;
      pill.textContent = `readiness: ${readiness.status}`;
      pill.className = `pill ${readiness.status}`;
    } catch {
      readiness = null;
      pill.textContent = "unreachable";
      pill.className = "pill failing";
    }
  }

  function markUpdated(problem: string | null): void {
    const el = byId("updated");
    el.className = problem ? "stale" : "muted";
    el.textContent = problem
      ? `${problem}${overview ? ` · showing data from ${new Date(Date.parse(overview.now)).toLocaleTimeString("en-GB")}` : ""}`
      : `updated ${new Date().toLocaleTimeString("en-GB")} · every ${everyMs / 1000} s`;
  }

  async function pollOverview(): Promise<void> {
    try {
      const o = await api<Overview>("/v1/admin/overview", "admin");
      const point = {
        t: Date.parse(o.now),
        received: counter(o, "events_received_total"),
        processed: counter(o, "events_processed_total"),
        lag: o.backlog.lag_seconds,
        backlog: o.backlog.events,
      };
      const prev = last(points);
      // A counter that went down (a wiped database) restarts the history.
      if (prev && (point.received < prev.received || point.t <= prev.t)) points = [];
      points.push(point);
      if (points.length > KEEP) points.shift();
      overview = o;
      markUpdated(null);
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) {
        stopped = true;
        return;
      }
      markUpdated(describeFailure(err, "overview"));
    }
  }

  async function pollHistory(): Promise<void> {
    try {
      const res = await call("/v1/admin/history?range=24h", "admin");
      const history = (await res.json()) as History;
      past = history.series;
      renderHistory(history, null);
    } catch (err) {
      renderHistory(
        null,
        err instanceof ApiFailure && err.status === 404
          ? "History is not available on this Gleaner yet (GET /v1/admin/history answered 404)."
          : describeFailure(err, "history"),
      );
    }
  }

  async function poll(): Promise<void> {
    clearTimeout(timer);
    let history = Promise.resolve();
    if (Date.now() - historyAt > 60_000) {
      historyAt = Date.now();
      history = pollHistory();
    }
    await Promise.all([pollReadiness(), pollOverview(), history]);
    if (stopped) return;
    draw();
    renderChecks(readiness);
    timer = setTimeout(poll, everyMs);
  }

  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  const onResize = () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(draw, 150);
  };
  window.addEventListener("resize", onResize);
  void poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
    window.removeEventListener("resize", onResize);
  };
}

import { Agent, request } from "node:http";
import { createKey, waitFor } from "../lib/client";
import { ADMIN, ADMIN_TOKEN, type Gleaner, startGleaner, stopGleaner, tempDir } from "../lib/gleaner";
import { fuzzCases, type FuzzCase } from "./fuzz-routes";
import { startFuzzUpstream } from "./fuzz-upstream";

/** What one route answered: statuses, and every 5xx, hang and unexplained answer by payload kind. */
export interface RouteFigures {
  cases: number;
  statuses: Record<string, number>;
  serverErrors: number;
  hangs: number;
  networkErrors: number;
  unexplained: number;
  /** Payload kinds that got a 5xx or hung, with how many times. */
  failingKinds: Record<string, number>;
}

export interface FuzzResult {
  payloads: number;
  seconds: number;
  /** Statuses by payload kind, over every route. */
  byKind: Record<string, Record<string, number>>;
  byRoute: Record<string, RouteFigures>;
  serverErrors: number;
  /** Requests with no answer within HANG_MS. */
  hangs: number;
  /** 4xx answers without `{ error: { code, message } }`, or rejected events without a path and a message. */
  unexplained: number;
  /** Rejected events whose error names no field (path ""): the event as a whole (not an object, too big). */
  wholeEventRejections: number;
  fieldRejections: number;
  /** Bad payloads answered 2xx (e.g. an unknown field a route ignores, or a malformed upstream answer passed through). */
  accepted2xx: number;
  networkErrors: number;
  /** The process exited, or stopped answering (see unresponsive). */
  crashed: boolean;
  /** After a hang, /healthz did not answer either: the run stopped there (a case wedged the worker's only thread). */
  unresponsive: boolean;
  /** The last cases answered before the first hang, oldest first: the culprit is usually among them, not the request that hung. */
  beforeFirstHang: { route: string; kind: string; status: number; payload: string }[];
  /** A valid event sent after the cases was not processed within STUCK_MS: the fuzz left the pipeline broken (e.g. a poison setting). */
  stuck: boolean;
  /** Up to 3 failing or unexplained answers per route, with the error the service logged for that request. */
  samples: { route: string; kind: string; path: string; status: number; answer: string; payload: string; requestId: string; error?: string }[];
  /** Distinct errors the service logged (`path: error`), with how many times each. */
  serverLog: string[];
  serverErrorLines: number;
  ok: boolean;
}

interface Rejection {
  status: string;
  errors?: { path?: unknown; message?: unknown }[];
}

/** A request with no answer after this long is a hang (the proxy's own upstream timeout is 10 s). */
const HANG_MS = 30_000;
/** How long a valid event sent after the cases may take to be processed (what the cases left in the backlog included). */
const STUCK_MS = 60_000;
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const guarded = new WeakSet<object>();

/** Sends raw bytes with exactly the given content type (none when absent); oversized ones half of the time without a length. */
function send(base: string, auth: string, p: FuzzCase, requestId: string, chunked: boolean, fresh = false): Promise<{ status: number; body: string }> {
  const bytes = typeof p.body === "string" ? Buffer.from(p.body) : Buffer.from(p.body);
  return new Promise((ok) => {
    const headers: Record<string, string | number> = { Authorization: `Bearer ${auth}`, "X-Request-Id": requestId };
    if (p.contentType) headers["Content-Type"] = p.contentType;
    if (!chunked) headers["Content-Length"] = bytes.length;
    let settled = false;
    const done = (v: { status: number; body: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ok(v);
    };
    const req = request(`${base}${p.path}`, { method: p.method, headers, agent: fresh ? false : agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
      res.on("error", () => done({ status: res.statusCode ?? 0, body }));
    });
    const timer = setTimeout(() => {
      done({ status: -1, body: "" });
      req.destroy();
    }, HANG_MS);
    req.on("error", () => done({ status: 0, body: "" }));
    // The server may answer 413 and close while the body is still being written.
    req.on("socket", (socket) => {
      if (!guarded.has(socket)) socket.on("error", () => undefined);
      guarded.add(socket);
    });
    if (chunked) {
      for (let o = 0; o < bytes.length; o += 64 * 1024) req.write(bytes.subarray(o, o + 64 * 1024));
      req.end();
    } else req.end(bytes);
  });
}

/** Checks an answer explains itself: the error shape for 4xx; for ingest, a path and a message for every rejected event. */
function explain(status: number, text: string, ingest: boolean): { explained: boolean; whole: number; fields: number } {
  if (status < 400 && !ingest) return { explained: true, whole: 0, fields: 0 };
  let body: { error?: { code?: unknown; message?: unknown; details?: { results?: Rejection[] } }; results?: Rejection[] };
  try {
    body = JSON.parse(text);
  } catch {
    return { explained: false, whole: 0, fields: 0 };
  }
  if (status >= 400 && !(typeof body.error?.code === "string" && body.error.code && typeof body.error.message === "string" && body.error.message)) {
    return { explained: false, whole: 0, fields: 0 };
  }
  const results = body.results ?? body.error?.details?.results ?? [];
  let whole = 0;
  let fields = 0;
  for (const r of results.filter((x) => x.status === "rejected")) {
    if (!r.errors?.length) return { explained: false, whole, fields };
    for (const e of r.errors) {
      if (typeof e.path !== "string" || typeof e.message !== "string" || e.message === "") return { explained: false, whole, fields };
      if (e.path === "") whole++;
      else fields++;
    }
  }
  return { explained: true, whole, fields };
}

const preview = (p: FuzzCase) => (typeof p.body === "string" ? p.body : Buffer.from(p.body).toString("utf8")).slice(0, 600);

/** What the fuzz cases expect to exist: a dataset `fuzz` with snapshot 1, an event `fuzz-event`. */
async function seed(base: string, key: string): Promise<void> {
  const project = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
  const calls: [string, RequestInit][] = [
    ["/v1/datasets/fuzz", { method: "PUT", headers: project, body: "{}" }],
    ["/v1/datasets/fuzz/snapshots", { method: "POST", headers: project }],
    ["/v1/events", { method: "POST", headers: project, body: JSON.stringify({ events: [{ id: "fuzz-event", type: "t", source: "fuzz", timestamp: "2026-11-23T10:00:00Z", query: "q", outcome: "success" }] }) }],
    ["/v1/admin/projects/fuzz/retention", { method: "PUT", headers: ADMIN, body: JSON.stringify({ raw_events_days: 30, processed_days: 90, dead_letters_days: 30, archives_days: 365 }) }],
  ];
  for (const [path, init] of calls) {
    const res = await fetch(`${base}${path}`, init);
    if (!res.ok) throw new Error(`fuzz setup ${path}: ${res.status} ${await res.text()}`);
  }
}

/** Sends one valid event and waits (polling its status) until it is processed; false after STUCK_MS. */
async function processesAfter(base: string, key: string): Promise<boolean> {
  const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
  const event = { id: "fuzz-after", type: "agent_step_complete", source: "fuzz", timestamp: "2026-11-23T10:00:00Z", query: "still there?", outcome: "success" };
  const sent = await fetch(`${base}/v1/events`, { method: "POST", headers, body: JSON.stringify({ events: [event] }) });
  if (sent.status !== 202) return false;
  try {
    await waitFor("the event sent after the fuzz to be processed", async () => {
      const res = await fetch(`${base}/v1/events/fuzz-after`, { headers });
      return res.ok && ((await res.json()) as { status?: string }).status === "processed" ? true : undefined;
    }, STUCK_MS, 500);
    return true;
  } catch {
    return false;
  }
}

/**
 * Watches the service's output as it comes (the runner keeps only its tail):
 * every error line, keyed by request id, and the distinct `path: error` pairs.
 */
function watchErrors(g: Gleaner) {
  const byRequest = new Map<string, string>();
  const distinct = new Map<string, number>();
  let total = 0;
  let partial = "";
  const take = (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.includes('"level":"error"')) continue;
      total++;
      try {
        const e = JSON.parse(line) as { msg?: string; request_id?: string; path?: string; error?: { name?: string; message?: string } | string };
        if (e.msg === "request") continue;
        const error = typeof e.error === "string" ? e.error : `${e.error?.name ?? ""}: ${e.error?.message ?? ""}`;
        const key = `${e.path ?? e.msg}: ${error.slice(0, 300)}`;
        distinct.set(key, (distinct.get(key) ?? 0) + 1);
        if (e.request_id) byRequest.set(e.request_id, error.slice(0, 300));
      } catch {
        distinct.set(line.slice(0, 200), (distinct.get(line.slice(0, 200)) ?? 0) + 1);
      }
    }
  };
  g.child.stdout!.on("data", take);
  g.child.stderr!.on("data", take);
  return { byRequest, distinct, total: () => total };
}

/** A per-route table for the run's log: cases, 2xx/4xx/5xx, hangs, and the kinds that failed. */
export function routeTable(byRoute: Record<string, RouteFigures>): string {
  const rows = Object.entries(byRoute).sort(([a], [b]) => a.localeCompare(b));
  return rows
    .map(([route, f]) => {
      const count = (prefix: string) => Object.entries(f.statuses).reduce((n, [s, k]) => n + (s.startsWith(prefix) ? k : 0), 0);
      const failing = Object.entries(f.failingKinds).map(([k, n]) => `${k} ×${n}`).join(", ");
      return `  ${route.padEnd(58)} ${String(f.cases).padStart(5)} cases  2xx ${count("2")}  4xx ${count("4")}  5xx ${f.serverErrors}  hangs ${f.hangs}  unexplained ${f.unexplained}${failing ? `  failing: ${failing}` : ""}`;
    })
    .join("\n");
}

/**
 * Fuzz: `count` fast-check-generated bad requests (seeded) against every
 * route that reads a body or a path parameter (bench/soak/fuzz-routes.ts) of
 * a running Gleaner whose proxy upstream is a stub, 8 at a time. Passes with
 * no 5xx, no hang, the process alive and answering /healthz after, and every
 * 4xx (and every rejected event) explained, and a valid event sent after
 * the cases still processed (no case left the pipeline broken). Prints the
 * per-route table and the errors the service logged.
 */
export async function fuzzRoutes(count: number, seedValue = 11): Promise<FuzzResult> {
  const upstream = await startFuzzUpstream();
  const g = await startGleaner(tempDir("gleaner-bench-fuzz-"), { PROXY_UPSTREAMS: `local=${upstream.url}/v1` });
  const started = Date.now();
  const result: FuzzResult = {
    payloads: count,
    seconds: 0,
    byKind: {},
    byRoute: {},
    serverErrors: 0,
    hangs: 0,
    unexplained: 0,
    wholeEventRejections: 0,
    fieldRejections: 0,
    accepted2xx: 0,
    networkErrors: 0,
    crashed: false,
    unresponsive: false,
    beforeFirstHang: [],
    stuck: false,
    samples: [],
    serverLog: [],
    serverErrorLines: 0,
    ok: false,
  };
  let exited = false;
  void g.exited.then(() => (exited = true));
  const errors = watchErrors(g);
  try {
    const key = await createKey(g.base, "fuzz");
    await seed(g.base, key);
    const cases = fuzzCases(count, seedValue);
    result.payloads = cases.length;
    let next = 0;
    const recent: FuzzResult["beforeFirstHang"] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < cases.length && !exited && !result.unresponsive) {
          const i = next++;
          const p = cases[i]!;
          const auth = p.auth === "admin" ? ADMIN_TOKEN : key;
          const chunked = p.kind === "oversized_body" && i % 2 === 0;
          let { status, body } = await send(g.base, auth, p, `fuzz-${i}`, chunked);
          // A kept-alive connection the server closed after an earlier 413: try once on a new one.
          if (status === 0) ({ status, body } = await send(g.base, auth, p, `fuzz-${i}-again`, chunked, true));
          const route = (result.byRoute[p.route] ??= { cases: 0, statuses: {}, serverErrors: 0, hangs: 0, networkErrors: 0, unexplained: 0, failingKinds: {} });
          const label = status === -1 ? "hang" : String(status);
          route.cases++;
          route.statuses[label] = (route.statuses[label] ?? 0) + 1;
          const kind = (result.byKind[p.kind] ??= {});
          kind[label] = (kind[label] ?? 0) + 1;
          if (status === 0) {
            result.networkErrors++;
            route.networkErrors++;
            continue;
          }
          const failed = status === -1 || status >= 500;
          if (status === -1) {
            result.hangs++;
            route.hangs++;
            if (result.hangs === 1) result.beforeFirstHang = [...recent];
            const health = await fetch(`${g.base}/healthz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status).catch(() => 0);
            if (health !== 200) result.unresponsive = true;
          } else {
            recent.push({ route: p.route, kind: p.kind, status, payload: preview(p).slice(0, 300) });
            if (recent.length > 24) recent.shift();
          }
          if (status >= 500) {
            result.serverErrors++;
            route.serverErrors++;
          }
          if (failed) route.failingKinds[p.kind] = (route.failingKinds[p.kind] ?? 0) + 1;
          if (status >= 200 && status < 300) result.accepted2xx++;
          const e = status === -1 ? { explained: true, whole: 0, fields: 0 } : explain(status, body, p.route === "POST /v1/events");
          result.wholeEventRejections += e.whole;
          result.fieldRejections += e.fields;
          if (!e.explained) {
            result.unexplained++;
            route.unexplained++;
          }
          if ((!e.explained || failed) && result.samples.filter((s) => s.route === p.route).length < 3) {
            result.samples.push({ route: p.route, kind: p.kind, path: p.path, status, answer: body.slice(0, 300), payload: preview(p), requestId: `fuzz-${i}` });
          }
        }
      }),
    );
    const health = await fetch(`${g.base}/healthz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status).catch(() => 0);
    result.unresponsive ||= health !== 200;
    // A wedged service is down for its users as much as an exited one.
    result.crashed = exited || result.unresponsive;
    if (!result.crashed && !result.unresponsive) result.stuck = !(await processesAfter(g.base, key));
  } finally {
    result.seconds = (Date.now() - started) / 1000;
    await stopGleaner(g);
    await upstream.stop();
    result.serverLog = [...errors.distinct].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`);
    result.serverErrorLines = errors.total();
    for (const s of result.samples) {
      const error = errors.byRequest.get(s.requestId);
      if (error) s.error = error;
    }
  }
  process.stderr.write(`  fuzz by route (${result.payloads} cases, ${result.seconds.toFixed(0)} s):\n${routeTable(result.byRoute)}\n`);
  if (result.serverLog.length) process.stderr.write(`  errors the service logged (path: error ×times):\n${result.serverLog.map((l) => `    ${l}`).join("\n")}\n`);
  if (result.unresponsive) {
    const before = result.beforeFirstHang.map((c) => `    ${c.status} ${c.route} ${c.kind}: ${c.payload.replace(/(.)\1{29,}/g, "$1…$1").slice(0, 200)}`).join("\n");
    process.stderr.write(`  the service stopped answering (even /healthz) after a hang; cases answered just before the first hang:\n${before}\n`);
  }
  if (result.stuck) process.stderr.write(`  the pipeline is stuck after the fuzz: a valid event was not processed within ${STUCK_MS / 1000} s\n`);
  result.ok = result.serverErrors === 0 && result.hangs === 0 && !result.crashed && !result.unresponsive && !result.stuck && result.unexplained === 0;
  return result;
}

/** bench/run.ts calls the fuzz suite by its first name, from when it covered ingest only. */
export const fuzzIngest = fuzzRoutes;

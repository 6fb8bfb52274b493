import autocannon from "autocannon";

export interface LoadOptions {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** Builds each request's body (called once per request). */
  body?: () => string;
  connections: number;
  /** Seconds to run, or… */
  duration?: number;
  /** …a number of requests. */
  amount?: number;
  /** Requests per second over all connections; unlimited when absent. */
  overallRate?: number;
  /** Called with each response's status (and body when `keepBody`). */
  onResponse?: (status: number, body: string, headers: Record<string, string | string[]>) => void;
}

export interface LoadResult {
  seconds: number;
  requests: number;
  ok2xx: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  reqPerS: number;
  bytesSent: number;
  p50Ms: number;
  p99Ms: number;
}

/** Drives one endpoint with autocannon (in this process) and summarises the run. */
export async function drive(o: LoadOptions): Promise<LoadResult> {
  let bytesSent = 0;
  const started = Date.now();
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    ...(o.duration !== undefined ? { duration: o.duration } : {}),
    ...(o.amount !== undefined ? { amount: o.amount } : {}),
    ...(o.overallRate !== undefined ? { overallRate: o.overallRate } : {}),
    timeout: 60,
    requests: [
      {
        method: o.method ?? "GET",
        headers: o.headers ?? {},
        ...(o.body
          ? {
              setupRequest: (req: Record<string, unknown>) => {
                const body = o.body!();
                bytesSent += Buffer.byteLength(body);
                return { ...req, body };
              },
            }
          : {}),
        ...(o.onResponse ? { onResponse: (status: number, body: string, _ctx: unknown, headers: Record<string, string | string[]>) => o.onResponse!(status, body, headers) } : {}),
      },
    ],
  });
  const seconds = (Date.now() - started) / 1000;
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, Number((v as { count: number }).count)]));
  const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    seconds,
    requests,
    ok2xx: result["2xx"],
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    reqPerS: requests / seconds,
    bytesSent,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

/**
 * Open-loop paced load: one request every 1/reqPerS seconds whatever the
 * answers take (up to `maxInFlight`), for `seconds`. For steady offered rates
 * where autocannon's per-connection integer rates would round them off.
 */
export async function pace(o: { url: string; headers: Record<string, string>; body: () => string; reqPerS: number; seconds: number; maxInFlight?: number }) {
  const statuses: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  let sent = 0;
  let skipped = 0;
  while (Date.now() - started < o.seconds * 1000) {
    const due = started + (sent * 1000) / o.reqPerS;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sent++;
    if (inFlight.size >= (o.maxInFlight ?? 32)) {
      skipped++;
      continue;
    }
    const p = fetch(o.url, { method: "POST", headers: o.headers, body: o.body() })
      .then(async (res) => {
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      })
      .catch(() => void (statuses["0"] = (statuses["0"] ?? 0) + 1))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  const seconds = (Date.now() - started) / 1000;
  const ok2xx = Object.entries(statuses).reduce((n, [s, c]) => (s.startsWith("2") ? n + c : n), 0);
  return { seconds, statuses, ok2xx, skipped };
}

import { connectionErrorCode, createKey, sleep, stats } from "../lib/client";
import { EventFactory } from "../lib/events";
import { startGleaner, stopGleaner, tempDir, UNTHROTTLED } from "../lib/gleaner";
import { findInTree, rssMb, treeRssMb } from "../lib/proc";

export interface MemoryFigure {
  events: number;
  seconds: number;
  acceptedEventsPerS: number;
  processedDuring: number;
  idleTreeMb: number;
  peakTreeMb: number;
  peakWorkerdMb: number;
  peakRunnerMb: number;
  /** Requests that got no answer (the connection closed under them) and were sent again, same body; by error code. */
  resent: Record<string, number>;
}

/** A send that got no answer: its error code, how long after it was sent it failed, and when it was sent (s into the load). */
export interface LostSend {
  code: string;
  afterMs: number;
  sentAtS: number;
}

/**
 * Posts `requests` bodies over `connections` keep-alive connections (Node's fetch), one at a time each. A request
 * whose connection fails before an answer is sent again with the same body (its events keep their ids, so a
 * resend is a duplicate at worst, as a client's retry is), and counted by error code. Any HTTP answer is final.
 * Also returns every answered request's latency and every lost send (bench/profile/resets.ts reads them).
 */
export async function post(url: string, headers: Record<string, string>, body: () => string, connections: number, requests: number) {
  const statuses: Record<string, number> = {};
  const resent: Record<string, number> = {};
  const latenciesMs: number[] = [];
  const lost: LostSend[] = [];
  const t0 = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      next++;
      const text = body();
      for (let attempt = 0; ; attempt++) {
        const sent = Date.now();
        try {
          const res = await fetch(url, { method: "POST", headers, body: text, signal: AbortSignal.timeout(120_000) });
          await res.arrayBuffer();
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          latenciesMs.push(Date.now() - sent);
          break;
        } catch (err) {
          const code = connectionErrorCode(err);
          resent[code] = (resent[code] ?? 0) + 1;
          lost.push({ code, afterMs: Date.now() - sent, sentAtS: Math.round((sent - t0) / 1000) });
          if (attempt >= 5) throw new Error(`memory run: a request failed 6 times (${code})`);
          await sleep(250 * 2 ** attempt);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return { statuses, resent, latenciesMs, lost, ok2xx: Object.entries(statuses).reduce((n, [s, c]) => (s.startsWith("2") ? n + c : n), 0) };
}

/** Requests of 500 events: 1M events make 2,000 chunks, far below the local queue broker's ~10k limit. */
export const BATCH = 500;

/**
 * Peak RSS of the runtime's process tree (the Node runner, workerd, esbuild's
 * service; read from /proc every 250 ms) while `events` flow into a fresh
 * Gleaner as fast as it accepts them, and for `settleS` seconds after. The backlog budget
 * is raised so the flow is not throttled to the scoring rate; the consumer
 * works through the backlog meanwhile.
 */
export async function measureMemory(events: number, settleS = 5): Promise<MemoryFigure> {
  const g = await startGleaner(tempDir("gleaner-bench-memory-"), UNTHROTTLED);
  try {
    const key = await createKey(g.base, "bench-memory");
    await sleep(1000);
    const idleTreeMb = treeRssMb(g.pid);
    const workerd = findInTree(g.pid, "workerd");
    let peakTreeMb = 0;
    let peakWorkerdMb = 0;
    let peakRunnerMb = 0;
    const timer = setInterval(() => {
      peakTreeMb = Math.max(peakTreeMb, treeRssMb(g.pid));
      if (workerd) peakWorkerdMb = Math.max(peakWorkerdMb, rssMb(workerd));
      peakRunnerMb = Math.max(peakRunnerMb, rssMb(g.pid));
    }, 250);
    const factory = new EventFactory("memory");
    const started = Date.now();
    const load = await post(
      `${g.base}/v1/events`,
      { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      () => factory.body(BATCH).text,
      8,
      Math.ceil(events / BATCH),
    );
    const seconds = (Date.now() - started) / 1000;
    await sleep(settleS * 1000);
    clearInterval(timer);
    const s = await stats(g.base);
    if (load.ok2xx * BATCH < events) throw new Error(`memory run: only ${load.ok2xx * BATCH} of ${events} events accepted (${JSON.stringify(load.statuses)})`);
    return { events, seconds, acceptedEventsPerS: (load.ok2xx * BATCH) / seconds, processedDuring: s.events.processed, idleTreeMb, peakTreeMb, peakWorkerdMb, peakRunnerMb, resent: load.resent };
  } finally {
    await stopGleaner(g);
  }
}

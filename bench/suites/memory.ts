import { createKey, sleep, stats } from "../lib/client";
import { EventFactory } from "../lib/events";
import { startGleaner, stopGleaner, tempDir } from "../lib/gleaner";
import { drive } from "../lib/load";
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
}

/** Requests of 500 events: 1M events make 2,000 chunks, far below the local queue broker's ~10k limit. */
const BATCH = 500;

/**
 * Peak RSS of the runtime's process tree (the Node runner, workerd, esbuild's
 * service; read from /proc every 250 ms) while `events` flow into a fresh
 * Gleaner as fast as it accepts them, and for `settleS` seconds after. The backlog budget
 * is raised so the flow is not throttled to the scoring rate; the consumer
 * works through the backlog meanwhile.
 */
export async function measureMemory(events: number, settleS = 5): Promise<MemoryFigure> {
  const g = await startGleaner(tempDir("gleaner-bench-memory-"), { BACKPRESSURE_MAX_BACKLOG_EVENTS: "100000000", BACKPRESSURE_MAX_LAG_SECONDS: "100000" });
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
    const load = await drive({
      url: `${g.base}/v1/events`,
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: () => factory.body(BATCH).text,
      connections: 8,
      amount: Math.ceil(events / BATCH),
    });
    const seconds = (Date.now() - started) / 1000;
    await sleep(settleS * 1000);
    clearInterval(timer);
    const s = await stats(g.base);
    if (load.ok2xx * BATCH < events) throw new Error(`memory run: only ${load.ok2xx * BATCH} of ${events} events accepted (${JSON.stringify(load.statuses)})`);
    return { events, seconds, acceptedEventsPerS: (load.ok2xx * BATCH) / seconds, processedDuring: s.events.processed, idleTreeMb, peakTreeMb, peakWorkerdMb, peakRunnerMb };
  } finally {
    await stopGleaner(g);
  }
}

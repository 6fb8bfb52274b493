import { createKey, stats } from "../lib/client";
import { EventFactory } from "../lib/events";
import { startGleaner, stopGleaner, tempDir } from "../lib/gleaner";
import { startHeartbeat } from "../lib/heartbeat";
import { drive, pace } from "../lib/load";
import { sleep } from "../lib/client";

export interface E2eAttempt {
  offeredEventsPerS: number;
  acceptedEventsPerS: number;
  processedEventsPerS: number;
  maxLagS: number;
  medianLagS: number;
  heartbeats: number;
  backlogAtEnd: number;
  /** High-value events still waiting for their pattern when the window ended. */
  extractionBacklogAtEnd: number;
  /** Heartbeat sends whose connection closed before an answer (sent again, same id), by error code. */
  heartbeatsResent: Record<string, number>;
  /** Heartbeats that failed (their lag is Infinity), by why. */
  heartbeatsFailed: Record<string, number>;
}

export interface E2eFigure {
  /** Processing rate with nothing else running (the consumers alone, draining a backlog: scored and extracted). */
  drainEventsPerS: number;
  attempts: E2eAttempt[];
  /** The best attempt that kept every heartbeat under the lag limit, if any. */
  sustained: E2eAttempt | null;
}

const LAG_LIMIT_S = 10;

/**
 * End-to-end: first the consumer's own rate (a backlog of `probeEvents`
 * drained with no load), then paced load at fractions of it for `windowS`
 * seconds each, with heartbeats. A rate holds when every heartbeat stays under
 * 10 s of lag and no more than 3 s of work waits at the end (not merely a
 * backlog still growing slowly). Starting from the first fraction, the search
 * steps up after a rate that held and down after one that did not; the
 * sustained figure is the highest rate that held.
 */
export async function measureE2e(o: { probeEvents: number; windowS: number; fractions: number[]; log?: (line: string) => void }): Promise<E2eFigure> {
  const g = await startGleaner(tempDir("gleaner-bench-e2e-"));
  try {
    const key = await createKey(g.base, "bench-e2e");
    const factory = new EventFactory("e2e");
    const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
    const url = `${g.base}/v1/events`;

    const probeStarted = Date.now();
    await drive({ url, method: "POST", headers, body: () => factory.body(100).text, connections: 8, amount: Math.ceil(o.probeEvents / 100) });
    let s = await stats(g.base);
    const t0 = Date.now();
    const p0 = s.events.processed;
    // Drained means scored and extracted: the extract queue's backlog is the same thread's work, and a rate that leaves
    // it growing is not sustained either.
    while (s.pending.events > 0 || s.extractions.pending > 0) {
      await sleep(250);
      s = await stats(g.base);
    }
    // The pipeline's rate while it drains alone; a backlog gone within a second is too short to time, then count from the first send.
    const drainEventsPerS =
      Date.now() - t0 >= 1000 ? (s.events.processed - p0) / ((Date.now() - t0) / 1000) : s.events.processed / ((Date.now() - probeStarted) / 1000);
    o.log?.(`  consumers alone: ${Math.round(drainEventsPerS)} events/s drained (scored and extracted)`);

    const attempts: E2eAttempt[] = [];
    let sustained: E2eAttempt | null = null;
    const tried = new Set<number>();
    let lowestFailed = Number.POSITIVE_INFINITY;
    let fraction = o.fractions[0]!;
    for (let i = 0; i < o.fractions.length && !tried.has(fraction); i++) {
      tried.add(fraction);
      const offered = drainEventsPerS * fraction;
      const before = await stats(g.base);
      const started = Date.now();
      const heartbeat = startHeartbeat(g.base, key, `hb-${i}`);
      const load = await pace({ url, headers, body: () => factory.body(100).text, seconds: o.windowS, reqPerS: offered / 100 });
      const after = await stats(g.base);
      const seconds = (Date.now() - started) / 1000;
      const lags = (await heartbeat.stop()).sort((a, b) => a - b);
      const attempt: E2eAttempt = {
        offeredEventsPerS: offered,
        acceptedEventsPerS: (load.ok2xx * 100) / load.seconds,
        processedEventsPerS: (after.events.processed - before.events.processed) / seconds,
        maxLagS: lags.at(-1) ?? Number.POSITIVE_INFINITY,
        medianLagS: lags[Math.floor(lags.length / 2)] ?? Number.POSITIVE_INFINITY,
        heartbeats: lags.length,
        backlogAtEnd: after.pending.events,
        extractionBacklogAtEnd: after.extractions.pending,
        heartbeatsResent: { ...heartbeat.resent },
        heartbeatsFailed: { ...heartbeat.failed },
      };
      attempts.push(attempt);
      // Held: every heartbeat under the limit and no more than a few seconds of work left waiting.
      const held = attempt.maxLagS < LAG_LIMIT_S && attempt.backlogAtEnd <= offered * 3 && attempt.extractionBacklogAtEnd <= offered * 3;
      if (held && (!sustained || attempt.processedEventsPerS > sustained.processedEventsPerS)) sustained = attempt;
      o.log?.(
        `  ${fraction} of it offered (${Math.round(offered)}/s): accepted ${Math.round(attempt.acceptedEventsPerS)}/s, processed ` +
          `${Math.round(attempt.processedEventsPerS)}/s, lag max ${attempt.maxLagS.toFixed(1)} s, left ${attempt.backlogAtEnd} events + ` +
          `${attempt.extractionBacklogAtEnd} extractions` +
          (Object.keys(attempt.heartbeatsResent).length ? ` (heartbeats resent: ${JSON.stringify(attempt.heartbeatsResent)})` : "") +
          (Object.keys(attempt.heartbeatsFailed).length ? ` (heartbeats failed: ${JSON.stringify(attempt.heartbeatsFailed)})` : "") +
          `: ${held ? "held" : "not held"}`,
      );
      // Up from a rate that held, down from one that did not: the next untried fraction that way.
      if (!held) lowestFailed = Math.min(lowestFailed, fraction);
      const next = held
        ? o.fractions.filter((f) => f > fraction && f < lowestFailed && !tried.has(f)).sort((a, b) => a - b)[0]
        : sustained
          ? undefined
          : o.fractions.filter((f) => f < fraction && !tried.has(f)).sort((a, b) => b - a)[0];
      if (next === undefined) break;
      fraction = next;
      // Let the backlog drain before the next rate.
      for (let t = 0; t < 240; t++) {
        const now = await stats(g.base);
        if (now.pending.events === 0 && now.extractions.pending === 0) break;
        await sleep(500);
      }
    }
    return { drainEventsPerS, attempts, sustained };
  } finally {
    await stopGleaner(g);
  }
}

import { createKey, sleep, stats } from "../lib/client";
import { startGleaner, stopGleaner, tempDir } from "../lib/gleaner";
import { findInTree, rssMb, treeRssMb } from "../lib/proc";
import { Producer } from "../lib/producer";
import { auditStore, type Audit } from "./audit";
import { resendAll, settlePipeline } from "./settle";

export interface SlowSinkOptions {
  floodS: number;
  backlogBudget: number;
  similarityWindow: number;
  /** RSS the runtime (workerd) must stay under. */
  memoryBudgetMb: number;
  log?: (line: string) => void;
}

export interface SlowSinkResult {
  backlogBudget: number;
  floodS: number;
  sent: number;
  accepted: number;
  answers: Record<string, number>;
  retryAfterSeen: number;
  firstRejectionAfterS: number | null;
  backlogPeak: number;
  idleTreeMb: number;
  peakTreeMb: number;
  peakWorkerdMb: number;
  drainSeconds: number;
  lost: number;
  duplicated: number;
  audit: Audit;
  ok: boolean;
}

/**
 * Slow sink: a consumer made slow (a similarity window of `similarityWindow`
 * vectors per event instead of 2,000) and a small backlog budget, flooded by
 * eight producers that honour Retry-After. Ingest must start answering 429
 * with Retry-After, workerd's memory must stay under its budget, and after the
 * flood every accepted event must be stored and processed once.
 */
export async function slowSink(o: SlowSinkOptions): Promise<SlowSinkResult> {
  const log = o.log ?? (() => undefined);
  const dataDir = tempDir("gleaner-bench-slow-");
  const g = await startGleaner(dataDir, {
    BACKPRESSURE_MAX_BACKLOG_EVENTS: String(o.backlogBudget),
    BACKPRESSURE_RETRY_AFTER_SECONDS: "1",
    SIMILARITY_WINDOW: String(o.similarityWindow),
  });
  const producer = new Producer("slow", 100);
  let audit: Audit;
  let backlogPeak = 0;
  let firstRejectionAfterS: number | null = null;
  let peakTreeMb = 0;
  let peakWorkerdMb = 0;
  let drainSeconds = 0;
  const idleTreeMb = treeRssMb(g.pid);
  try {
    const key = await createKey(g.base, "slow");
    const workerd = findInTree(g.pid, "workerd");
    const started = Date.now();
    let flooding = true;
    const sampler = setInterval(() => {
      peakTreeMb = Math.max(peakTreeMb, treeRssMb(g.pid));
      if (workerd) peakWorkerdMb = Math.max(peakWorkerdMb, rssMb(workerd));
    }, 250);
    const watch = (async () => {
      while (flooding) {
        backlogPeak = Math.max(backlogPeak, (await stats(g.base).catch(() => undefined))?.pending.events ?? 0);
        await sleep(500);
      }
    })();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() - started < o.floodS * 1000) {
          const status = await producer.sendOne(g.base, key);
          if (status === 429) {
            firstRejectionAfterS ??= (Date.now() - started) / 1000;
            await sleep(producer.lastRetryAfterS * 1000);
          }
        }
      }),
    );
    flooding = false;
    await watch;
    log(`  flood over: ${producer.accepted.size} accepted, answers ${JSON.stringify(producer.responses)}, backlog peak ${backlogPeak}`);
    const drainStarted = Date.now();
    while (!producer.settled) {
      await resendAll(g.base, key, producer, 600_000);
    }
    await settlePipeline(g.base, 15 * 60_000);
    drainSeconds = (Date.now() - drainStarted) / 1000;
    clearInterval(sampler);
  } finally {
    await stopGleaner(g);
  }
  audit = auditStore(dataDir, "slow", producer.accepted);
  const lost = audit.events.lost + audit.events.unprocessed + audit.scores.lost + audit.patterns.lost + audit.datasetExamples.lost;
  const duplicated = audit.events.duplicated + audit.scores.duplicated + audit.patterns.duplicated + audit.datasetExamples.duplicated;
  return {
    backlogBudget: o.backlogBudget,
    floodS: o.floodS,
    sent: producer.made,
    accepted: producer.accepted.size,
    answers: producer.responses,
    retryAfterSeen: producer.retryAfterSeen,
    firstRejectionAfterS,
    backlogPeak,
    idleTreeMb,
    peakTreeMb,
    peakWorkerdMb,
    drainSeconds,
    lost,
    duplicated,
    audit,
    ok: producer.retryAfterSeen > 0 && peakWorkerdMb < o.memoryBudgetMb && lost === 0 && duplicated === 0 && producer.accepted.size === producer.made,
  };
}

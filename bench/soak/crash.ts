import { createKey, sleep, stats } from "../lib/client";
import { prng } from "../lib/events";
import { killHard, startGleaner, stopGleaner, tempDir, type Gleaner } from "../lib/gleaner";
import { Producer } from "../lib/producer";
import { auditStore, type Audit } from "./audit";
import { resendAll, settlePipeline } from "./settle";

export interface CrashSoakOptions {
  cycles: number;
  /** Each cycle runs load for a random time in [minMs, maxMs] before kill -9. */
  minMs: number;
  maxMs: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface CrashSoakResult {
  cycles: number;
  seconds: number;
  sent: number;
  accepted: number;
  stored: number;
  lost: number;
  duplicated: number;
  relayedChunks: number;
  killedAfterMs: number[];
  backlogAtKill: number[];
  audit: Audit;
  ok: boolean;
}

const PROJECT = "soak";

/** Four producers' worth of paced load (~800 events/s): below the consumer's rate, so kills land on a live pipeline with work in every stage. */
async function loadUntil(g: Gleaner, key: string, producer: Producer, stop: { done: boolean }): Promise<void> {
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (!stop.done) {
        await producer.sendOne(g.base, key);
        await sleep(250);
      }
    }),
  );
}

/**
 * Crash soak: `cycles` times, start Gleaner on the same data dir, put it
 * under load, kill -9 its process group at a random moment; the producer keeps
 * every batch without a 2xx and sends it again after the restart. Then a last
 * start lets everything settle, and the D1 file is audited against the
 * producer's ledger.
 */
export async function crashSoak(o: CrashSoakOptions): Promise<CrashSoakResult> {
  const log = o.log ?? (() => undefined);
  const rand = prng(o.seed ?? 20261123);
  const dataDir = tempDir("gleaner-bench-soak-");
  const producer = new Producer("soak", 50);
  const started = Date.now();
  const killedAfterMs: number[] = [];
  const backlogAtKill: number[] = [];
  let key = "";
  for (let cycle = 1; cycle <= o.cycles; cycle++) {
    const g = await startGleaner(dataDir);
    key ||= await createKey(g.base, PROJECT);
    const stop = { done: false };
    const load = loadUntil(g, key, producer, stop);
    const after = Math.round(o.minMs + rand() * (o.maxMs - o.minMs));
    await sleep(after);
    const backlog = (await stats(g.base).catch(() => undefined))?.pending.events ?? -1;
    await killHard(g);
    stop.done = true;
    await load;
    killedAfterMs.push(after);
    backlogAtKill.push(backlog);
    log(`  cycle ${cycle}/${o.cycles}: kill -9 after ${after} ms, backlog ${backlog}, acknowledged ${producer.accepted.size}, awaiting resend ${producer.unsent.length} batches`);
  }

  const g = await startGleaner(dataDir);
  let finalStats;
  try {
    await resendAll(g.base, key, producer, 120_000);
    finalStats = await settlePipeline(g.base, 15 * 60_000);
  } finally {
    await stopGleaner(g);
  }
  const audit = auditStore(dataDir, PROJECT, producer.accepted);
  const lost = audit.events.lost + audit.events.unprocessed + audit.scores.lost + audit.patterns.lost + audit.datasetExamples.lost;
  const duplicated = audit.events.duplicated + audit.scores.duplicated + audit.patterns.duplicated + audit.datasetExamples.duplicated;
  return {
    cycles: o.cycles,
    seconds: (Date.now() - started) / 1000,
    sent: producer.made,
    accepted: producer.accepted.size,
    stored: audit.events.stored,
    lost,
    duplicated,
    relayedChunks: finalStats.counters.relayed_batches_total ?? 0,
    killedAfterMs,
    backlogAtKill,
    audit,
    ok: lost === 0 && duplicated === 0 && audit.counters.exactlyOnce && audit.datasetExamples.orphans === 0 && producer.accepted.size === producer.made,
  };
}


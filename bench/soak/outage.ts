import { createServer } from "node:net";
import { createKey, metrics, runJob, sleep } from "../lib/client";
import { startGleaner, stopGleaner, tempDir } from "../lib/gleaner";
import { Producer } from "../lib/producer";
import { auditStore, type Audit } from "./audit";
import { resendAll, settlePipeline } from "./settle";
import { STUB_DIMENSION, StubAi } from "./stub-ai";

export interface OutageOptions {
  beforeS: number;
  outageS: number;
  afterS: number;
  halfOpenS: number;
  log?: (line: string) => void;
}

export interface OutageResult {
  outageS: number;
  sent: number;
  accepted: number;
  ingestStatuses: Record<string, number>;
  ingestAll2xx: boolean;
  /** Highest learning_breaker_state seen per dependency during the outage (2 = open), and the state at the end. */
  breakerPeak: Record<string, number>;
  breakerEnd: Record<string, number>;
  backlogPeakExtractions: number;
  reextracted: number;
  drainSeconds: number;
  lost: number;
  duplicated: number;
  audit: Audit;
  ok: boolean;
}

const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });

/**
 * Outage: Gleaner with a real LLM and embeddings server (the stub), under
 * paced load; the stub is stopped for `outageS` seconds and started again.
 * Ingest must stay 2xx throughout, the breakers must open and close again,
 * the backlog must drain, fallback patterns must be re-extracted, and the
 * audit must find nothing lost or doubled.
 */
export async function outageSoak(o: OutageOptions): Promise<OutageResult> {
  const log = o.log ?? (() => undefined);
  const stub = new StubAi(await freePort());
  await stub.start();
  const dataDir = tempDir("gleaner-bench-outage-");
  const g = await startGleaner(dataDir, {
    LLM_URL: stub.url,
    LLM_MODEL: "stub",
    EMBEDDINGS_URL: stub.url,
    EMBEDDINGS_MODEL: "stub-embed",
    EMBEDDINGS_DIMENSION: String(STUB_DIMENSION),
    BREAKER_HALF_OPEN_SECONDS: String(o.halfOpenS),
    OUTBOUND_TIMEOUT_MS: "2000",
  });
  const producer = new Producer("outage", 20);
  const breakerPeak: Record<string, number> = {};
  const breakerEnd: Record<string, number> = {};
  let backlogPeakExtractions = 0;
  let audit: Audit;
  let reextracted = 0;
  let drainSeconds = 0;
  try {
    const key = await createKey(g.base, "outage");
    const now: { phase: "before" | "outage" | "after" | "done" } = { phase: "before" };
    const load = (async () => {
      while (now.phase !== "done") {
        await producer.sendOne(g.base, key);
        await sleep(100); // ~200 events/s, mostly high value: every one goes through the LLM and the embeddings server
      }
    })();
    const watch = (async () => {
      while (now.phase !== "done") {
        const m = await metrics(g.base).catch(() => new Map<string, number>());
        for (const [series, value] of m) {
          const dep = /^learning_breaker_state\{dependency="([^"]+)"\}$/.exec(series)?.[1];
          if (dep && now.phase === "outage") breakerPeak[dep] = Math.max(breakerPeak[dep] ?? 0, value);
        }
        await sleep(1000);
      }
    })();
    await sleep(o.beforeS * 1000);
    log(`  stub LLM/embeddings stopped for ${o.outageS} s`);
    now.phase = "outage";
    await stub.stop();
    const outageEnds = Date.now() + o.outageS * 1000;
    while (Date.now() < outageEnds) {
      // Extraction work waits while the breakers are open: the patterns cron would relay it; drive it sooner.
      const r = await runJob(g.base, "patterns", { older_than_seconds: 5 }).catch(() => undefined);
      backlogPeakExtractions = Math.max(backlogPeakExtractions, Number(r?.result.extractions_relayed ?? 0));
      await sleep(Math.min(5000, Math.max(0, outageEnds - Date.now())));
    }
    await stub.start();
    log(`  stub back; breakers: ${JSON.stringify(breakerPeak)}`);
    now.phase = "after";
    await sleep(o.afterS * 1000);
    now.phase = "done";
    await load;
    await watch;
    const drainStarted = Date.now();
    await resendAll(g.base, key, producer, 120_000);
    await settlePipeline(g.base, 10 * 60_000);
    // Fallback patterns (heuristic during the outage) are re-extracted with the LLM, a page per run.
    await sleep(o.halfOpenS * 1000);
    for (let i = 0; i < 500; i++) {
      const { result } = await runJob(g.base, "patterns", { older_than_seconds: 0 });
      reextracted += Number(result.reextracted ?? 0);
      if (!result.reextracted && !result.extractions_relayed) break;
    }
    drainSeconds = (Date.now() - drainStarted) / 1000;
    for (const [series, value] of await metrics(g.base)) {
      const dep = /^learning_breaker_state\{dependency="([^"]+)"\}$/.exec(series)?.[1];
      if (dep) breakerEnd[dep] = value;
    }
  } finally {
    await stopGleaner(g);
    await stub.stop();
  }
  audit = auditStore(dataDir, "outage", producer.accepted);
  const lost = audit.events.lost + audit.events.unprocessed + audit.scores.lost + audit.patterns.lost + audit.datasetExamples.lost;
  const duplicated = audit.events.duplicated + audit.scores.duplicated + audit.patterns.duplicated + audit.datasetExamples.duplicated;
  const ingestAll2xx = Object.keys(producer.responses).every((s) => s.startsWith("2"));
  const opened = Object.values(breakerPeak).some((v) => v >= 2);
  const closed = Object.keys(breakerEnd).length > 0 && Object.values(breakerEnd).every((v) => v === 0);
  return {
    outageS: o.outageS,
    sent: producer.made,
    accepted: producer.accepted.size,
    ingestStatuses: producer.responses,
    ingestAll2xx,
    breakerPeak,
    breakerEnd,
    backlogPeakExtractions,
    reextracted,
    drainSeconds,
    lost,
    duplicated,
    audit,
    ok: ingestAll2xx && opened && closed && lost === 0 && duplicated === 0,
  };
}

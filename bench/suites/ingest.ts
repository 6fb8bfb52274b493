import { createKey, stats } from "../lib/client";
import { EventFactory } from "../lib/events";
import { startBareD1 } from "../baseline/bare-d1";
import { startBaseline } from "../lib/baseline";
import { startGleaner, stopGleaner, tempDir, UNTHROTTLED } from "../lib/gleaner";
import { drive, type LoadResult } from "../lib/load";

export interface IngestRound {
  ceiling: LoadResult;
  gleaner: LoadResult & { eventsPerS: number; mbPerS: number; stored: number };
  baseline: LoadResult & { eventsPerS: number; mbPerS: number };
  /** The bare D1 worker (bench/baseline/bare-d1-worker.js): same runner, same migrated inbox, one json_each INSERT. */
  bareD1: LoadResult & { eventsPerS: number; mbPerS: number };
}

export interface IngestFigure {
  rounds: IngestRound[];
  /** Medians over the rounds. */
  ceilingReqPerS: number;
  ingestEventsPerS: number;
  ingestMbPerS: number;
  baselineEventsPerS: number;
  baselineMbPerS: number;
  bareD1EventsPerS: number;
  bareD1MbPerS: number;
  p50: { ceiling: number; gleaner: number; baseline: number; bareD1: number };
  p99: { ceiling: number; gleaner: number; baseline: number; bareD1: number };
  eventBytes: number;
  storedAll: boolean;
  non2xx: number;
}

export const BATCH = 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function asIngest(r: LoadResult, bytesPerRequest: number) {
  return { ...r, eventsPerS: (r.ok2xx * BATCH) / r.seconds, mbPerS: (r.ok2xx * bytesPerRequest) / r.seconds / 1024 / 1024 };
}

/**
 * One round: a fresh Gleaner answering GET /healthz (the runtime's ceiling),
 * then POST /v1/events with 100-event bodies; then the plain Node +
 * better-sqlite3 server with the same bodies, same connections, same time.
 * The backlog budget is raised so 429s do not cut the ingest figure short;
 * the consumer runs as usual (it shares workerd's thread with ingest).
 */
async function round(seconds: number, connections: number): Promise<IngestRound> {
  const dir = tempDir("gleaner-bench-ingest-");
  const g = await startGleaner(dir, UNTHROTTLED);
  let ceiling: LoadResult;
  let gleaner: IngestRound["gleaner"];
  const sample = new EventFactory("sample").body(BATCH).text;
  const bytesPerRequest = Buffer.byteLength(sample);
  try {
    const key = await createKey(g.base, "bench-ingest");
    ceiling = await drive({ url: `${g.base}/healthz`, connections, duration: Math.max(2, Math.round(seconds / 2)) });
    const factory = new EventFactory("ingest");
    const load = await drive({
      url: `${g.base}/v1/events`,
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: () => factory.body(BATCH).text,
      connections,
      duration: seconds,
    });
    const s = await stats(g.base);
    gleaner = { ...asIngest(load, bytesPerRequest), stored: s.events.total };
  } finally {
    await stopGleaner(g);
  }
  const b = await startBaseline(dir);
  let baseline: IngestRound["baseline"];
  try {
    const factory = new EventFactory("ingest");
    const load = await drive({
      url: `${b.base}/v1/events`,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: () => factory.body(BATCH).text,
      connections,
      duration: seconds,
    });
    baseline = asIngest(load, bytesPerRequest);
  } finally {
    await b.stop();
  }
  const bareDir = tempDir("gleaner-bench-bare-d1-");
  const d = await startBareD1(bareDir);
  let bareD1: IngestRound["bareD1"];
  try {
    const factory = new EventFactory("ingest");
    const load = await drive({
      url: `${d.base}/v1/events`,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: () => factory.body(BATCH).text,
      connections,
      duration: seconds,
    });
    bareD1 = asIngest(load, bytesPerRequest);
  } finally {
    await d.stop();
  }
  return { ceiling, gleaner, baseline, bareD1 };
}

export async function measureIngest(o: { rounds: number; seconds: number; connections: number }): Promise<IngestFigure> {
  const rounds: IngestRound[] = [];
  for (let i = 0; i < o.rounds; i++) rounds.push(await round(o.seconds, o.connections));
  const m = (f: (r: IngestRound) => number) => median(rounds.map(f));
  return {
    rounds,
    ceilingReqPerS: m((r) => r.ceiling.reqPerS),
    ingestEventsPerS: m((r) => r.gleaner.eventsPerS),
    ingestMbPerS: m((r) => r.gleaner.mbPerS),
    baselineEventsPerS: m((r) => r.baseline.eventsPerS),
    baselineMbPerS: m((r) => r.baseline.mbPerS),
    bareD1EventsPerS: m((r) => r.bareD1.eventsPerS),
    bareD1MbPerS: m((r) => r.bareD1.mbPerS),
    p50: { ceiling: m((r) => r.ceiling.p50Ms), gleaner: m((r) => r.gleaner.p50Ms), baseline: m((r) => r.baseline.p50Ms), bareD1: m((r) => r.bareD1.p50Ms) },
    p99: { ceiling: m((r) => r.ceiling.p99Ms), gleaner: m((r) => r.gleaner.p99Ms), baseline: m((r) => r.baseline.p99Ms), bareD1: m((r) => r.bareD1.p99Ms) },
    eventBytes: Buffer.byteLength(new EventFactory("sample").next().json),
    // Every 2xx committed its 100 events; beyond them only the requests still in flight when the load stopped.
    storedAll: rounds.every((r) => r.gleaner.stored >= r.gleaner.ok2xx * BATCH && r.gleaner.stored <= (r.gleaner.ok2xx + o.connections) * BATCH),
    non2xx: rounds.reduce((n, r) => n + (r.gleaner.requests - r.gleaner.ok2xx) + (r.baseline.requests - r.baseline.ok2xx) + (r.bareD1.requests - r.bareD1.ok2xx), 0),
  };
}


/**
 * Gleaner's ingest against the bare D1 worker, round by round: `tsx bench/profile/ingest-pairs.ts [rounds] [seconds]`.
 * The ingest suite's rounds (each: Gleaner, the Node + SQLite server, the bare D1 worker, one after the other), with
 * each round's ratio printed; for telling a change from the noise (one round's ratio varies by about ±10 % here).
 */
import { measureIngest } from "../suites/ingest";

const f = await measureIngest({ rounds: Number(process.argv[2] ?? 3), seconds: Number(process.argv[3] ?? 6), connections: 16 });
for (const r of f.rounds) {
  console.log(`gleaner ${r.gleaner.eventsPerS.toFixed(0)} events/s, bare D1 ${r.bareD1.eventsPerS.toFixed(0)}: ${(r.gleaner.eventsPerS / r.bareD1.eventsPerS).toFixed(3)}×`);
}
console.log(`median: gleaner ${f.ingestEventsPerS.toFixed(0)}, bare D1 ${f.bareD1EventsPerS.toFixed(0)}: ${(f.ingestEventsPerS / f.bareD1EventsPerS).toFixed(3)}×`);

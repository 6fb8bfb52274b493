/**
 * The consumers' own rate, for comparing changes to them: `tsx bench/profile/drain.ts [events] [runs]` posts a backlog of
 * `events` (default 20,000) into a fresh Gleaner with the consumers running, then times the drain until every event is
 * scored and every extraction done, as the e2e suite's first step does; `runs` times (default 3), one line each and the
 * median. Not a benchmark figure: the full run's e2e suite is.
 */
import { measureE2e } from "../suites/e2e";

const events = Number(process.argv[2] ?? 20_000);
const runs = Number(process.argv[3] ?? 3);
const rates: number[] = [];
for (let i = 0; i < runs; i++) {
  const { drainEventsPerS } = await measureE2e({ probeEvents: events, windowS: 0, fractions: [] });
  rates.push(Math.round(drainEventsPerS));
  console.log(`run ${i + 1}: ${rates.at(-1)} events/s drained (scored and extracted)`);
}
console.log(`median: ${rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]} events/s`);

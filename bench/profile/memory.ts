/**
 * One memory run, for comparing settings: `tsx bench/profile/memory.ts [events]`, e.g.
 * `GLEANER_V8_FLAGS=--max-semi-space-size=4 tsx bench/profile/memory.ts 150000`. The memory suite's run (`npm start`'s
 * runner, 500-event requests on 8 connections, the backlog budget raised) for `events` events; prints one JSON line
 * with the peak RSS of the tree, of workerd and of the runner, and how many events were processed meanwhile.
 */
import { measureMemory } from "../suites/memory";

const events = Number(process.argv[2] ?? 100_000);
const f = await measureMemory(events);
console.log(
  JSON.stringify({
    events,
    seconds: Math.round(f.seconds),
    accepted_per_s: Math.round(f.acceptedEventsPerS),
    processed_during: f.processedDuring,
    idle_tree_mb: Math.round(f.idleTreeMb),
    peak_tree_mb: Math.round(f.peakTreeMb),
    peak_workerd_mb: Math.round(f.peakWorkerdMb),
    peak_runner_mb: Math.round(f.peakRunnerMb),
    resent: f.resent,
  }),
);

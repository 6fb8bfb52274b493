/**
 * Where workerd's time goes while `gleaner ship --once` imports legacy files: `tsx bench/profile/ship.ts [MB]`.
 * Builds the ship suite's corpus (the legacy fixtures repeated to about MB megabytes), starts the worker with its
 * inspector open (no crons; the backlog budget raised as the suite does), ships the corpus and prints the MB/s
 * (slowed by the profiler: not a benchmark figure), the shipper's summary and workerd's self and inclusive times.
 * `NOPROF=1`: the rate alone; `NO_CONSUMERS=1`: the worker without its queue consumers (the import's own cost).
 */
import { join } from "node:path";
import { createKey } from "../lib/client";
import { tempDir, UNTHROTTLED } from "../lib/gleaner";
import { buildCorpus, runShip } from "../suites/ship";
import { connectProfiler, selfTimes, totalTimes } from "./cpu-profile";
import { startInspectable, withoutConsumers } from "./inspectable";

const mb = Number(process.argv[2] ?? 10);
const inspectorPort = 9229 + Math.floor(Math.random() * 500);
const work = tempDir("gleaner-ship-profile-");
const corpus = buildCorpus(mb, join(work, "corpus"));
const { mf, base } = await startInspectable({
  dataDir: join(work, "data"),
  inspectorPort,
  ...(process.env.NO_CONSUMERS ? { configPath: withoutConsumers(work) } : {}),
  vars: UNTHROTTLED,
});
const key = await createKey(base, "bench-ship");
const profiler = process.env.NOPROF ? null : await connectProfiler(inspectorPort);
await profiler?.start();
const started = Date.now();
const run = await runShip(base, key, join(work, "state"), corpus.files);
const summary = run.code === 0 ? (run.stdout.trim().split("\n").at(-1) ?? "") : `gleaner ship exited ${run.code}: ${run.stderr.trim().slice(-500)}`;
const seconds = (Date.now() - started) / 1000;
const shipped = corpus.bytes / 2 ** 20;
const rate = `${shipped.toFixed(1)} MB (${corpus.corpus}) in ${seconds.toFixed(1)} s = ${(shipped / seconds).toFixed(2)} MB/s`;
console.log(`${rate}${profiler ? " under the profiler" : ""}${process.env.NO_CONSUMERS ? ", no consumers" : ""}; ${summary}`);
if (profiler) {
  const profile = await profiler.stop();
  console.table(selfTimes(profile, 30));
  console.table(totalTimes(profile, 50));
}
await mf.dispose();

/**
 * Where workerd's time goes while `gleaner ship --once` imports legacy files: `tsx bench/profile/ship.ts [MB]`.
 * Builds the ship suite's corpus (the legacy fixtures repeated to about MB megabytes), starts the worker with its
 * inspector open (no crons; the backlog budget raised as the suite does), ships the corpus and prints the MB/s
 * (slowed by the profiler: not a benchmark figure), the shipper's summary and workerd's self and inclusive times.
 * `NOPROF=1`: the rate alone; `NO_CONSUMERS=1`: the worker without its queue consumers (the import's own cost).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ADMIN, PROJECT_DIR, tempDir } from "../lib/gleaner";
import { buildCorpus } from "../suites/ship";
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
  vars: { BACKPRESSURE_MAX_BACKLOG_EVENTS: "100000000", BACKPRESSURE_MAX_LAG_SECONDS: "100000" },
});
const { key } = (await (await fetch(`${base}/v1/admin/projects/bench-ship/keys`, { method: "POST", headers: ADMIN })).json()) as { key: string };
const profiler = process.env.NOPROF ? null : await connectProfiler(inspectorPort);
await profiler?.start();
const started = Date.now();
const summary = await new Promise<string>((done) => {
  const child = spawn(process.execPath, ["bin/gleaner.mjs", "ship", "--url", base, "--key", key, "--once", "--state", join(work, "state"), ...corpus.files], {
    cwd: PROJECT_DIR,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.on("close", () => done(out.trim().split("\n").at(-1) ?? ""));
});
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

/**
 * CPU profile of ingest alone: `tsx bench/profile/ingest-alone.ts [seconds]`. The worker runs with every queue
 * consumer taken out of its wrangler.toml (a copy in a temporary directory), so the profile holds the ingest path
 * and nothing of scoring or extraction; 16 connections post 100-event bodies, after 3 s of warm-up. Prints the
 * rate (slowed by the profiler; `NOPROF=1` for the rate without it) and the self and inclusive times.
 */
import { EventFactory } from "../lib/events";
import { createKey } from "../lib/client";
import { tempDir, UNTHROTTLED } from "../lib/gleaner";
import { drive } from "../lib/load";
import { connectProfiler, selfTimes, totalTimes } from "./cpu-profile";
import { startInspectable, withoutConsumers } from "./inspectable";

const seconds = Number(process.argv[2] ?? 8);
const dir = tempDir("gleaner-ingest-alone-");
const configPath = withoutConsumers(dir);
const inspectorPort = 9229 + Math.floor(Math.random() * 500);
const { mf, base } = await startInspectable({
  dataDir: dir,
  inspectorPort,
  configPath,
  vars: UNTHROTTLED,
});
const key = await createKey(base, "bench");
const factory = new EventFactory("ingest-alone");
const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
const load = (duration: number) => drive({ url: `${base}/v1/events`, method: "POST", headers, body: () => factory.body(100).text, connections: 16, duration });
await load(3);
const profiler = process.env.NOPROF ? null : await connectProfiler(inspectorPort);
await profiler?.start();
const result = await load(seconds);
console.log(`ingest alone: ${Math.round((result.ok2xx * 100) / result.seconds)} events/s, p50 ${result.p50Ms} ms${profiler ? " (under the profiler)" : ""}`);
if (profiler) {
  const profile = await profiler.stop();
  console.table(selfTimes(profile, 40));
  console.table(totalTimes(profile, 60));
}
await mf.dispose();

/**
 * CPU profile of the worker under ingest load, then while it drains the
 * backlog: `tsx bench/profile/run.ts [seconds]`. Prints self and inclusive
 * time per function; for finding the hot path, not a benchmark figure.
 */
import { ADMIN, tempDir } from "../lib/gleaner";
import { drive } from "../lib/load";
import { EventFactory } from "../lib/events";
import { connectProfiler, selfTimes, totalTimes } from "./cpu-profile";
import { startInspectable } from "./inspectable";

const seconds = Number(process.argv[2] ?? 8);
const inspectorPort = 9229 + Math.floor(Math.random() * 500);
const { mf, base } = await startInspectable({ dataDir: tempDir("gleaner-profile-"), inspectorPort, vars: { BACKPRESSURE_MAX_BACKLOG_EVENTS: "10000000" } });
const { key } = (await (await fetch(`${base}/v1/admin/projects/bench/keys`, { method: "POST", headers: ADMIN })).json()) as { key: string };
const factory = new EventFactory("profile");
const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };

const show = (title: string, profile: Parameters<typeof selfTimes>[0]) => {
  console.log(`\n## ${title}: self time`);
  console.table(selfTimes(profile));
  console.log(`## ${title}: inclusive time`);
  console.table(totalTimes(profile, 40));
};

let profiler = await connectProfiler(inspectorPort);
await profiler.start();
const load = await drive({ url: `${base}/v1/events`, method: "POST", headers, body: () => factory.body(100).text, connections: 16, duration: seconds });
show(`ingest (${Math.round((load.ok2xx * 100) / load.seconds)} events/s)`, await profiler.stop());

profiler = await connectProfiler(inspectorPort);
await profiler.start();
await new Promise((r) => setTimeout(r, seconds * 1000));
show("draining the backlog", await profiler.stop());
await mf.dispose();

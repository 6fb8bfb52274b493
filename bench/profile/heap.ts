/**
 * Where workerd's memory goes under ingest load: `tsx bench/profile/heap.ts [seconds]`. Floods the worker (500-event
 * requests, 8 connections, as the memory suite does), then prints workerd's RSS split (/proc smaps_rollup) and the V8
 * heap of every isolate the inspector lists (used / total), during the flood and after a forced GC. For diagnosis.
 */
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { EventFactory } from "../lib/events";
import { tempDir } from "../lib/gleaner";
import { drive } from "../lib/load";
import { inspectorTargets, openInspector } from "./cpu-profile";
import { startInspectable } from "./inspectable";

const seconds = Number(process.argv[2] ?? 20);
const inspectorPort = 9229 + Math.floor(Math.random() * 500);
const { mf, base } = await startInspectable({ dataDir: tempDir("gleaner-heap-"), inspectorPort, vars: { BACKPRESSURE_MAX_BACKLOG_EVENTS: "10000000" } });
const { key } = (await (await fetch(`${base}/v1/admin/projects/bench/keys`, { method: "POST", headers: { Authorization: "Bearer bench-admin-token-0123456789abcdef" } })).json()) as { key: string };
const factory = new EventFactory("heap");
const workerd = execFileSync("pgrep", ["-n", "workerd"]).toString().trim();

function rss(): string {
  const text = readFileSync(`/proc/${workerd}/smaps_rollup`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0) / 1024;
  return `workerd Rss ${kb("Rss").toFixed(0)} MB (anonymous ${kb("Anonymous").toFixed(0)}, file ${(kb("Rss") - kb("Anonymous")).toFixed(0)})`;
}

async function heaps(gc: boolean): Promise<void> {
  for (const t of await inspectorTargets(inspectorPort)) {
    const { send, close } = await openInspector(inspectorPort, t);
    if (gc) await send("HeapProfiler.collectGarbage");
    const u = (await send("Runtime.getHeapUsage")) as { usedSize: number; totalSize: number };
    console.log(`  ${t.title}: heap used ${(u.usedSize / 2 ** 20).toFixed(1)} MB of ${(u.totalSize / 2 ** 20).toFixed(1)} MB`);
    close();
  }
}

console.log(`idle: ${rss()}`);
await heaps(false);
const load = drive({
  url: `${base}/v1/events`,
  method: "POST",
  headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
  body: () => factory.body(500).text,
  connections: 8,
  duration: seconds,
});
await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
console.log(`flooding: ${rss()}`);
await heaps(false);
await load;
console.log(`after the flood: ${rss()}`);
await heaps(false);
console.log("after a forced GC in every isolate:");
await heaps(true);
console.log(`  ${rss()}`);
await mf.dispose();

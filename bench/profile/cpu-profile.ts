import { writeFileSync } from "node:fs";
import WebSocket from "ws";

/** Raw profiles written so far (PROFILE_OUT). */
let savedProfiles = 0;

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** A worker (isolate) the inspector lists. */
export interface InspectorTarget {
  id: string;
  title: string;
  webSocketDebuggerUrl?: string;
}

/** Every worker workerd's inspector lists. */
export async function inspectorTargets(inspectorPort: number): Promise<InspectorTarget[]> {
  return (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as InspectorTarget[];
}

/** A DevTools protocol session with one target: `send` resolves with the command's result. */
export async function openInspector(inspectorPort: number, target: InspectorTarget) {
  const ws = new WebSocket(target.webSocketDebuggerUrl ?? `ws://127.0.0.1:${inspectorPort}/${target.id}`);
  await new Promise((ok, fail) => (ws.once("open", ok), ws.once("error", fail)));
  let next = 1;
  const pending = new Map<number, (v: unknown) => void>();
  ws.on("message", (data: unknown) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id && pending.has(msg.id)) pending.get(msg.id)!(msg.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((ok) => {
      const id = next++;
      pending.set(id, ok);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** Opens the inspector of the worker named `name` and returns start/stop of a V8 CPU profile. */
export async function connectProfiler(inspectorPort: number, name = "gleaner") {
  const targets = await inspectorTargets(inspectorPort);
  const target = targets.find((t) => t.title.includes(name)) ?? targets[0]!;
  const { send, close } = await openInspector(inspectorPort, target);
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  return {
    start: () => send("Profiler.start"),
    async stop(): Promise<Profile> {
      const { profile } = (await send("Profiler.stop")) as { profile: Profile };
      close();
      // PROFILE_OUT=prefix keeps each raw profile (<prefix>-<n>.cpuprofile, for DevTools or a callers query), in every
      // script that profiles through here.
      if (process.env.PROFILE_OUT) writeFileSync(`${process.env.PROFILE_OUT}-${++savedProfiles}.cpuprofile`, JSON.stringify(profile));
      return profile;
    },
  };
}

/** One row per function: time, sample count and share of samples (workerd runs every isolate on one thread, so a
 * sample's time can include moments this isolate was not running: rank by samples). */
type Row = { fn: string; ms: number; samples: number; share: number };
const frameKey = (f: Node["callFrame"]) => `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
function rows(acc: Map<string, { ms: number; samples: number }>, total: number, top: number): Row[] {
  return [...acc]
    .sort((a, b) => b[1].samples - a[1].samples)
    .slice(0, top)
    .map(([fn, { ms, samples }]) => ({ fn, ms: Math.round(ms), samples, share: Math.round((samples / total) * 1000) / 10 }));
}
function add(acc: Map<string, { ms: number; samples: number }>, key: string, ms: number) {
  const r = acc.get(key) ?? { ms: 0, samples: 0 };
  r.ms += ms;
  r.samples += 1;
  acc.set(key, r);
}

/** Self time and samples per function, most samples first. */
export function selfTimes(profile: Profile, top = 25): Row[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { ms: number; samples: number }>();
  profile.samples.forEach((id, i) => add(self, frameKey(byId.get(id)!.callFrame), (profile.timeDeltas[i] ?? 0) / 1000));
  return rows(self, profile.samples.length, top);
}

/** Inclusive time per function (ms), so callers like scoreEvents or validateItems show their whole cost. */
export function totalTimes(profile: Profile, top = 25): Row[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, { ms: number; samples: number }>();
  profile.samples.forEach((id, i) => {
    const d = (profile.timeDeltas[i] ?? 0) / 1000;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = frameKey(byId.get(cur)!.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      add(incl, key, d);
    }
  });
  return rows(incl, profile.samples.length, top);
}

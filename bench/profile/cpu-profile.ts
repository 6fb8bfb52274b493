import WebSocket from "ws";

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
      return profile;
    },
  };
}

/** Self time per function (ms, share of samples), heaviest first. */
export function selfTimes(profile: Profile, top = 25): { fn: string; ms: number; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const d = (profile.timeDeltas[i] ?? 0) / 1000;
    total += d;
    const key = `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + d);
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, ms]) => ({ fn, ms: Math.round(ms), share: Math.round((ms / total) * 1000) / 10 }));
}

/** Inclusive time per function (ms), so callers like scoreEvents or validateItems show their whole cost. */
export function totalTimes(profile: Profile, top = 25): { fn: string; ms: number; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const d = (profile.timeDeltas[i] ?? 0) / 1000;
    total += d;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + d);
    }
  });
  return [...incl].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, ms]) => ({ fn, ms: Math.round(ms), share: Math.round((ms / total) * 1000) / 10 }));
}

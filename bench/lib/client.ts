import { ADMIN } from "./gleaner";

export interface Stats {
  events: { total: number; processed: number };
  pending: { batches: number; events: number; oldestCreatedAt: number | null };
  extractions: { pending: number; oldestEnqueuedAt: number | null };
  counters: Record<string, number>;
}

export async function createKey(base: string, project: string): Promise<string> {
  const res = await fetch(`${base}/v1/admin/projects/${project}/keys`, { method: "POST", headers: ADMIN });
  if (res.status !== 201) throw new Error(`key creation: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

/**
 * fetch, tried again (up to 3 times, 1 s apart) when no answer came at all: a connection the server reset under load,
 * or a kept-alive one it closed as it was reused. Only for calls that are safe to repeat (reads, and the idempotent
 * jobs); the last error names its cause.
 */
export async function fetchAgain(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      if (attempt >= 3) throw new Error(`${(err as Error).message} (${cause?.code ?? cause?.message ?? "no cause"}) after ${attempt} tries: ${url}`);
      await sleep(1000);
    }
  }
}

export async function stats(base: string): Promise<Stats> {
  const res = await fetchAgain(`${base}/v1/admin/stats`, { headers: ADMIN });
  if (!res.ok) throw new Error(`stats: ${res.status}`);
  return (await res.json()) as Stats;
}

export async function runJob(base: string, job: string, params: Record<string, unknown> = {}): Promise<{ duration_ms: number; result: Record<string, unknown> }> {
  // Every job is idempotent (a second run finds its work done), so a run whose answer was lost may be asked again.
  const res = await fetchAgain(`${base}/v1/admin/jobs/${job}/run`, { method: "POST", headers: ADMIN, body: JSON.stringify(params) });
  if (!res.ok) throw new Error(`job ${job}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { duration_ms: number; result: Record<string, unknown> };
}

/** Prometheus samples from /metrics as `name{labels}` → value. */
export async function metrics(base: string): Promise<Map<string, number>> {
  const text = await (await fetchAgain(`${base}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Why a fetch failed without an answer: its cause's code (ECONNRESET, UND_ERR_SOCKET …), else the error's name. */
export const connectionErrorCode = (err: unknown): string => (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Waits until every accepted event is processed and no chunk is unfinished. */
export function drained(base: string, timeoutMs: number): Promise<Stats> {
  return waitFor("the backlog to drain", async () => {
    const s = await stats(base);
    return s.pending.batches === 0 && s.events.processed === s.events.total ? s : undefined;
  }, timeoutMs, 500);
}

import { sleep } from "./client";

/**
 * Measures processing lag with heartbeat events: one single-event request a
 * second, each then polled until it is `processed`; its lag is the server's
 * processed_at − received_at. A heartbeat travels as its own chunk through
 * the same queue as the load, so it waits behind whatever backlog there is.
 */
export function startHeartbeat(base: string, key: string, prefix: string, everyMs = 1000, giveUpMs = 60_000) {
  const lags: number[] = [];
  const polls: Promise<void>[] = [];
  let n = 0;
  let running = true;
  const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };

  const one = async (id: string) => {
    const sentAt = Date.now();
    const res = await fetch(`${base}/v1/events`, {
      method: "POST",
      headers,
      body: JSON.stringify({ events: [{ id, type: "heartbeat", source: "bench-heartbeat", timestamp: new Date().toISOString(), outcome: "success" }] }),
    });
    await res.arrayBuffer();
    if (res.status !== 202) {
      lags.push(Number.POSITIVE_INFINITY);
      return;
    }
    while (Date.now() - sentAt < giveUpMs) {
      await sleep(100);
      const r = await fetch(`${base}/v1/events/${id}`, { headers });
      if (!r.ok) continue;
      const e = (await r.json()) as { status: string; received_at: string; processed_at: string | null };
      if (e.status === "processed" && e.processed_at) {
        lags.push((Date.parse(e.processed_at) - Date.parse(e.received_at)) / 1000);
        return;
      }
    }
    lags.push(Number.POSITIVE_INFINITY);
  };

  const loop = (async () => {
    while (running) {
      polls.push(one(`${prefix}-${n++}`).catch(() => void lags.push(Number.POSITIVE_INFINITY)));
      await sleep(everyMs);
    }
  })();

  return {
    /** Stops sending, waits for every heartbeat sent to be processed (or given up), returns the lags in seconds. */
    async stop(): Promise<number[]> {
      running = false;
      await loop;
      await Promise.all(polls);
      return lags;
    },
  };
}

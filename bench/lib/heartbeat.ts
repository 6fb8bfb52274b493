import { connectionErrorCode, sleep } from "./client";

/**
 * Measures processing lag with heartbeat events: one single-event request a
 * second, each then polled until it is `processed`; its lag is the server's
 * processed_at − received_at. A heartbeat travels as its own chunk through
 * the same queue as the load, so it waits behind whatever backlog there is.
 */
export function startHeartbeat(base: string, key: string, prefix: string, everyMs = 1000, giveUpMs = 60_000) {
  const lags: number[] = [];
  const polls: Promise<void>[] = [];
  /** Heartbeat sends whose connection closed before an answer, by error code: each was sent again (same id). */
  const resent: Record<string, number> = {};
  /** Heartbeats that failed (an Infinity lag), by why: `HTTP <status>`, `no answer`, `not processed`. */
  const failed: Record<string, number> = {};
  const fail = (why: string) => {
    failed[why] = (failed[why] ?? 0) + 1;
    lags.push(Number.POSITIVE_INFINITY);
  };
  let n = 0;
  let running = true;
  const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };

  const one = async (id: string) => {
    const sentAt = Date.now();
    const body = JSON.stringify({ events: [{ id, type: "heartbeat", source: "bench-heartbeat", timestamp: new Date().toISOString(), outcome: "success" }] });
    // A send whose connection closes before any answer is sent again with the same id, as the SDK does (a duplicate at
    // worst); the lag is the server's, from the stored event. Any HTTP answer is final: a non-202 is a failed heartbeat.
    let res: Response | undefined;
    while (!res && Date.now() - sentAt < giveUpMs) {
      try {
        res = await fetch(`${base}/v1/events`, { method: "POST", headers, body, signal: AbortSignal.timeout(Math.max(1, giveUpMs - (Date.now() - sentAt))) });
      } catch (err) {
        if (Date.now() - sentAt >= giveUpMs) break; // given up: counted as "no answer", not as a resend
        const code = connectionErrorCode(err);
        resent[code] = (resent[code] ?? 0) + 1;
        await sleep(250);
      }
    }
    if (!res) return fail("no answer");
    await res.arrayBuffer();
    if (res.status !== 202) return fail(`HTTP ${res.status}`);
    while (Date.now() - sentAt < giveUpMs) {
      await sleep(100);
      // A poll that fails (a connection closed) is polled again; only giving up fails the heartbeat.
      const e = await fetch(`${base}/v1/events/${id}`, { headers })
        .then(async (r) => (r.ok ? ((await r.json()) as { status: string; received_at: string; processed_at: string | null }) : void (await r.arrayBuffer())))
        .catch(() => undefined);
      if (e?.status === "processed" && e.processed_at) {
        lags.push((Date.parse(e.processed_at) - Date.parse(e.received_at)) / 1000);
        return;
      }
    }
    fail("not processed");
  };

  const loop = (async () => {
    while (running) {
      polls.push(one(`${prefix}-${n++}`).catch((err: unknown) => fail(`error: ${(err as Error).message}`)));
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
    resent,
    failed,
  };
}

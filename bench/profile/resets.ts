/**
 * When do requests under load lose their connection? `tsx bench/profile/resets.ts [events]`: the memory suite's
 * load (its `post`: 500-event requests on 8 connections, the backlog budget raised) for `events` events, printing for
 * every send that got no answer how long after it was sent the connection failed, and the answered requests' latency
 * percentiles; beside it a probe on its own connection (GET /healthz every 100 ms) prints each answer slower than 1 s,
 * a stall of workerd's one thread. For finding which timeout closes them; not a benchmark figure.
 */
import { closeIdleConnectionsEarly } from "../../test/support/keep-alive";
import { createKey } from "../lib/client";
import { EventFactory } from "../lib/events";
import { startGleaner, stopGleaner, tempDir, UNTHROTTLED } from "../lib/gleaner";
import { BATCH, post } from "../suites/memory";

closeIdleConnectionsEarly();
const events = Number(process.argv[2] ?? 100_000);
const g = await startGleaner(tempDir("gleaner-resets-"), UNTHROTTLED);
try {
  const key = await createKey(g.base, "resets");
  const factory = new EventFactory("resets");
  const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
  const requests = Math.ceil(events / BATCH);
  // A probe on its own connection: GET /healthz every 100 ms; an answer slower than 1 s is a stall of workerd's thread.
  const t0 = Date.now();
  let probing = true;
  const stalls: string[] = [];
  const probe = (async () => {
    while (probing) {
      const sent = Date.now();
      await fetch(`${g.base}/healthz`).then((r) => r.arrayBuffer(), () => undefined);
      const ms = Date.now() - sent;
      if (ms > 1000) stalls.push(`stall ${ms} ms (probe sent at ${((sent - t0) / 1000).toFixed(1)} s)`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const load = await post(`${g.base}/v1/events`, headers, () => factory.body(BATCH).text, 8, requests);
  const answered = [...load.latenciesMs].sort((a, b) => a - b);
  const pct = (p: number) => answered[Math.min(answered.length - 1, Math.floor(answered.length * p))];
  console.log(JSON.stringify({ requests, answered: answered.length, p50_ms: pct(0.5), p99_ms: pct(0.99), max_ms: answered.at(-1), lost: load.lost.length }));
  probing = false;
  await probe;
  for (const s of stalls) console.log(s);
  for (const l of load.lost) console.log(`lost ${l.code} after ${l.afterMs} ms (sent at ${l.sentAtS} s)`);
} finally {
  await stopGleaner(g);
}

/**
 * When do requests under load lose their connection? `tsx bench/profile/resets.ts [events]`: the memory suite's
 * load (its `post`: 500-event requests on 8 connections, the backlog budget raised) for `events` events, printing for
 * every send that got no answer how long after it was sent the connection failed, and the answered requests' latency
 * percentiles. For finding which timeout closes them; not a benchmark figure.
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
  const load = await post(`${g.base}/v1/events`, headers, () => factory.body(BATCH).text, 8, requests);
  const answered = [...load.latenciesMs].sort((a, b) => a - b);
  const pct = (p: number) => answered[Math.min(answered.length - 1, Math.floor(answered.length * p))];
  console.log(JSON.stringify({ requests, answered: answered.length, p50_ms: pct(0.5), p99_ms: pct(0.99), max_ms: answered.at(-1), lost: load.lost.length }));
  for (const l of load.lost) console.log(`lost ${l.code} after ${l.afterMs} ms (sent at ${l.sentAtS} s)`);
} finally {
  await stopGleaner(g);
}

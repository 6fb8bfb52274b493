/**
 * When do requests under load lose their connection? `tsx bench/profile/resets.ts [events]`: the memory suite's
 * load (500-event requests on 8 connections, the backlog budget raised) for `events` events, printing for every
 * request that got no answer how long after it was sent the connection failed, and the answered requests' latency
 * percentiles. For finding which timeout closes them; not a benchmark figure.
 */
import { closeIdleConnectionsEarly } from "../../test/support/keep-alive";
import { connectionErrorCode, createKey } from "../lib/client";
import { EventFactory } from "../lib/events";
import { startGleaner, stopGleaner, tempDir, UNTHROTTLED } from "../lib/gleaner";

closeIdleConnectionsEarly();
const events = Number(process.argv[2] ?? 100_000);
const g = await startGleaner(tempDir("gleaner-resets-"), UNTHROTTLED);
const key = await createKey(g.base, "resets");
const factory = new EventFactory("resets");
const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
const answered: number[] = [];
const failed: { afterMs: number; code: string; at: number }[] = [];
const t0 = Date.now();
let next = 0;
const requests = Math.ceil(events / 500);
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (next < requests) {
      next++;
      const body = factory.body(500).text;
      for (;;) {
        const sent = Date.now();
        try {
          const res = await fetch(`${g.base}/v1/events`, { method: "POST", headers, body });
          await res.arrayBuffer();
          answered.push(Date.now() - sent);
          break;
        } catch (err) {
          failed.push({ afterMs: Date.now() - sent, code: connectionErrorCode(err), at: Math.round((sent - t0) / 1000) });
        }
      }
    }
  }),
);
await stopGleaner(g);
answered.sort((a, b) => a - b);
const pct = (p: number) => answered[Math.min(answered.length - 1, Math.floor(answered.length * p))];
console.log(JSON.stringify({ requests, answered: answered.length, p50_ms: pct(0.5), p99_ms: pct(0.99), max_ms: answered.at(-1), failed: failed.length }));
for (const f of failed) console.log(`failed ${f.code} after ${f.afterMs} ms (sent at ${f.at} s)`);

import Database from "better-sqlite3";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { createKey } from "../lib/client";
import { EventFactory } from "../lib/events";
import { startGleaner, stopGleaner, tempDir } from "../lib/gleaner";

export interface LatencyFigure {
  label: string;
  p50Ms: number;
  p95Ms: number;
  hits: number;
}

export interface SearchEventsFigure {
  events: number;
  rareHits: number;
  requests: number;
  results: LatencyFigure[];
}

const PROJECT = "bench-search";
/** A word one event in a hundred holds (in its response), next to the factory's common vocabulary. */
const RARE = "zanzibar";

function d1File(dataDir: string): string {
  const dir = join(dataDir, "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 file under ${dir}`);
  return join(dir, file);
}

/**
 * Writes `count` processed events (bench/lib/events.ts texts) straight into the stopped Gleaner's D1
 * file, through the same triggers that index ingest (migration 0013), with a score for every other
 * one. Straight in, so the consumer does not score 100k events while latency is measured.
 */
function seed(dataDir: string, count: number): void {
  const db = new Database(d1File(dataDir));
  const factory = new EventFactory("search");
  const now = Date.now() - count;
  const insert = db.prepare(
    `INSERT INTO events (project, event_id, batch_id, schema_version, type, source, client_timestamp, client_time_ms,
                         interaction_id, received_at, status, processed_at, payload)
     VALUES (?, ?, 'bench-seed', 2, 'agent_step_complete', 'bench-agent', ?, ?, ?, ?, 'processed', ?, ?)`,
  );
  const score = db.prepare(
    `INSERT INTO event_scores (project, event_id, profile, profile_version, value, confidence, components, high_value, reason, scored_at)
     VALUES (?, ?, 'default', 1, ?, 0.5, '{}', ?, 'ingest', ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const e = factory.next();
      const payload = JSON.parse(e.json) as { response: string; timestamp: string; interaction_id: string };
      if (i % 100 === 0) payload.response = `${payload.response} Ask the ${RARE} team.`;
      insert.run(PROJECT, e.id, payload.timestamp, now + i, payload.interaction_id, now + i, now + i, JSON.stringify(payload));
      if (i % 2 === 0) score.run(PROJECT, e.id, (i % 10) / 10, i % 10 >= 8 ? 1 : 0, now + i);
    }
  })();
  db.close();
}

async function latency(label: string, url: string, headers: Record<string, string>, requests: number): Promise<LatencyFigure> {
  const times: number[] = [];
  let hits = 0;
  for (let i = 0; i < requests + 5; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers });
    const text = await res.text();
    if (!res.ok) throw new Error(`${label}: ${res.status} ${text.slice(0, 200)}`);
    if (i >= 5) times.push(performance.now() - t); // the first five warm up
    if (url.includes("/v1/events")) hits = (JSON.parse(text) as { events: unknown[] }).events.length;
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]! * 10) / 10;
  return { label, p50Ms: at(0.5), p95Ms: at(0.95), hits };
}

/**
 * GET /v1/events?q=<word>&limit=50 over `count` stored events (default 100k), sequential requests,
 * p50/p95; the same-run baselines are GET /healthz (the runtime's floor) and GET /v1/events?limit=50
 * (the list without search). A common word (in about a third of the events) and a rare one (1 %).
 */
export async function measureSearchEvents(count = 100_000, requests = 100): Promise<SearchEventsFigure> {
  const dir = tempDir("gleaner-bench-search-");
  let g = await startGleaner(dir);
  const key = await createKey(g.base, PROJECT);
  await stopGleaner(g);
  seed(dir, count);
  g = await startGleaner(dir);
  try {
    const headers = { Authorization: `Bearer ${key}` };
    const results = [
      await latency("GET /healthz", `${g.base}/healthz`, {}, requests),
      await latency("GET /v1/events?limit=50", `${g.base}/v1/events?limit=50`, headers, requests),
      await latency(`GET /v1/events?q=${RARE}&limit=50 (1 % of events)`, `${g.base}/v1/events?q=${RARE}&limit=50`, headers, requests),
      await latency("GET /v1/events?q=journald&limit=50 (common word)", `${g.base}/v1/events?q=journald&limit=50`, headers, requests),
      await latency("GET /v1/events?q=journald+vacuum&limit=50 (two common words)", `${g.base}/v1/events?q=journald+vacuum&limit=50`, headers, requests),
      await latency("GET /v1/events?q=journald&source=bench-agent&min_value=0.5&limit=50", `${g.base}/v1/events?q=journald&source=bench-agent&min_value=0.5&limit=50`, headers, requests),
    ];
    return { events: count, rareHits: Math.ceil(count / 100), requests, results };
  } finally {
    await stopGleaner(g);
  }
}

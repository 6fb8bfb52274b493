import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { adminHeaders, call, createKey, event, postEvents } from "./helpers";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

type Point = [string, number];
interface History {
  resolution: "minute" | "hour";
  series: Record<string, Point[]>;
}

let key: string;
let n = 0;

beforeAll(async () => {
  key = (await createKey("history-tests")).key;
});

beforeEach(async () => {
  await env.DB.batch([env.DB.prepare("DELETE FROM metrics_minutes"), env.DB.prepare("DELETE FROM metrics_hours")]);
});

const runJob = async (name: string, body: unknown = {}) => {
  const res = await call(`/v1/admin/jobs/${name}/run`, { method: "POST", headers: adminHeaders(), body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json<{ result: Record<string, unknown> }>()).result;
};

async function send(count: number) {
  const res = await postEvents(
    key,
    Array.from({ length: count }, () => event(`history-${++n}`)),
  );
  expect(res.status).toBe(202);
}

async function history(range: string): Promise<History> {
  const res = await call(`/v1/admin/history?range=${range}`, { headers: adminHeaders() });
  expect(res.status).toBe(200);
  return res.json<History>();
}

/** The minute `t` falls in, as the endpoint names it. */
const minuteOf = (t: number) => new Date(Math.floor(t / MINUTE) * MINUTE).toISOString();

const valueAt = (points: Point[] | undefined, t: number) => points?.find(([at]) => at === minuteOf(t))?.[1];

describe("server-side history", () => {
  it("counts the events sent between two runs, and a second run in the same minute does not count them twice", async () => {
    // Ten seconds into a minute, so the re-runs below (+5 s, +1 s) stay in the minute they repeat.
    const t0 = Math.floor((Date.now() - 10 * MINUTE) / MINUTE) * MINUTE + 10_000;
    await runJob("history", { now: t0 });
    await send(3);
    await runJob("history", { now: t0 + MINUTE });
    await runJob("history", { now: t0 + MINUTE + 5_000 });
    await send(2);
    await runJob("history", { now: t0 + 2 * MINUTE });
    await runJob("history", { now: t0 + 2 * MINUTE + 1_000 });

    const h = await history("1h");
    expect(h.resolution).toBe("minute");
    const received = h.series.events_received;
    expect(received).toEqual([
      [minuteOf(t0 + MINUTE), 3],
      [minuteOf(t0 + 2 * MINUTE), 2],
    ]);
    expect(h.series).toHaveProperty("lag_seconds");
    expect(h.series).toHaveProperty("backlog_events");
    expect(h.series).toHaveProperty("dead_letters");
    expect(h.series).toHaveProperty("events_rejected");
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM metrics_minutes").first<{ n: number }>();
    expect(rows?.n).toBe(3);

    // The hourly rollup holds the same counts.
    const hours = await history("7d");
    expect(hours.resolution).toBe("hour");
    expect(hours.series.events_received?.reduce((sum, [, v]) => sum + v, 0)).toBe(5);
  });

  it("counts rejections by reason", async () => {
    const t0 = Date.now() - 20 * MINUTE;
    await runJob("history", { now: t0 });
    const res = await postEvents(key, [event(`history-${++n}`), { id: `history-bad-${++n}`, type: "" }]);
    expect(res.status).toBeLessThan(500);
    await runJob("history", { now: t0 + MINUTE });
    const h = await history("1h");
    expect(valueAt(h.series.events_rejected, t0 + MINUTE)).toBe(1);
    expect(valueAt(h.series["events_rejected.invalid"], t0 + MINUTE)).toBe(1);
    expect(valueAt(h.series.events_received, t0 + MINUTE)).toBe(1);
  });

  it("gives no negative delta when a counter goes down (a restore) or starts again (a fresh counter)", async () => {
    const t0 = Date.now() - 30 * MINUTE;
    await send(4);
    await runJob("history", { now: t0 });
    // A restore: the counter is back at an older, lower value.
    await env.DB.prepare("UPDATE counters SET value = 1 WHERE name = 'events_received_total'").run();
    await runJob("history", { now: t0 + MINUTE });
    // A fresh counter: gone, then counting from zero again.
    await env.DB.prepare("DELETE FROM counters WHERE name = 'events_received_total'").run();
    await runJob("history", { now: t0 + 2 * MINUTE });
    await send(2);
    await runJob("history", { now: t0 + 3 * MINUTE });

    const h = await history("1h");
    const received = h.series.events_received ?? [];
    expect(received.every(([, v]) => v >= 0)).toBe(true);
    expect(valueAt(received, t0 + MINUTE)).toBe(0);
    expect(valueAt(received, t0 + 2 * MINUTE)).toBe(0);
    expect(valueAt(received, t0 + 3 * MINUTE)).toBe(2);
    const hours = await history("90d");
    expect(hours.series.events_received?.every(([, v]) => v >= 0)).toBe(true);
  });

  it("answers per minute for 1h and 24h, per hour for 7d and 90d", async () => {
    const t0 = Date.now() - 5 * MINUTE;
    await runJob("history", { now: t0 });
    await runJob("history", { now: t0 + MINUTE });
    expect((await history("1h")).resolution).toBe("minute");
    const day = await history("24h");
    expect(day.resolution).toBe("minute");
    expect(day.series.events_received).toHaveLength(1);
    for (const range of ["7d", "90d"]) {
      const h = await history(range);
      expect(h.resolution).toBe("hour");
      for (const [at] of h.series.backlog_events ?? []) expect(Date.parse(at) % HOUR).toBe(0);
    }
    // No range: the last day.
    const res = await call("/v1/admin/history", { headers: adminHeaders() });
    expect((await res.json<History>()).resolution).toBe("minute");
  });

  it("lifecycle prunes minute rows older than 48 h and hour rows older than 90 days", async () => {
    const now = Date.now();
    const minute = (t: number) => Math.floor(t / MINUTE) * MINUTE;
    const hour = (t: number) => Math.floor(t / HOUR) * HOUR;
    const insertMinute = (t: number) =>
      env.DB.prepare(
        `INSERT INTO metrics_minutes (minute, sampled_at, counters, backlog_events, backlog_chunks, lag_seconds, dead_letters, high_value, scores, mean_score)
         VALUES (?1, ?1, '{}', 0, 0, 0, 0, 0, 0, NULL)`,
      ).bind(minute(t));
    const insertHour = (t: number) => env.DB.prepare("INSERT INTO metrics_hours (hour, samples, scores, series) VALUES (?1, 1, 0, '{}')").bind(hour(t));
    await env.DB.batch([insertMinute(now - 49 * HOUR), insertMinute(now - 47 * HOUR), insertHour(now - 91 * DAY), insertHour(now - 89 * DAY)]);

    const summary = await runJob("lifecycle", { now });
    expect(summary.history_deleted).toBe(2);
    const minutes = await env.DB.prepare("SELECT minute FROM metrics_minutes").all<{ minute: number }>();
    expect(minutes.results.map((r) => r.minute)).toEqual([minute(now - 47 * HOUR)]);
    const hours = await env.DB.prepare("SELECT hour FROM metrics_hours").all<{ hour: number }>();
    expect(hours.results.map((r) => r.hour)).toEqual([hour(now - 89 * DAY)]);
  });

  it("answers 400 naming `range` for a bad range, and 401 without the admin token", async () => {
    const bad = await call("/v1/admin/history?range=2w", { headers: adminHeaders() });
    expect(bad.status).toBe(400);
    const body = await bad.json<{ error: { code: string; message: string; details: { errors: { path: string }[] } } }>();
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.errors.map((e) => e.path)).toContain("range");

    expect((await call("/v1/admin/history?range=24h")).status).toBe(401);
    expect((await call("/v1/admin/history?range=24h", { headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
  });
});

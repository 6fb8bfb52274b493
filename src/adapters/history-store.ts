import { pendingSummary } from "./batch-store";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/**
 * The counters the history keeps, by series name. A series sums its counter over all label sets;
 * `byLabel` also gives one series per value of that label (`events_rejected.invalid`).
 */
const COUNTER_SERIES = [
  { series: "events_received", counter: "events_received_total" },
  { series: "events_processed", counter: "events_processed_total" },
  { series: "events_rejected", counter: "events_rejected_total", byLabel: "reason" },
  { series: "duplicates", counter: "duplicates_total" },
  { series: "events_scored", counter: "events_scored_total" },
  { series: "feedback_received", counter: "feedback_received_total" },
  { series: "patterns_extracted", counter: "patterns_extracted_total" },
] as const;

/** Gauge series: sampled, not differenced. In an hour, backlog and lag are the hour's maximum, dead letters its last sample. */
const MAX_IN_HOUR = ["backlog_events", "backlog_chunks", "lag_seconds"] as const;

/** Every series name the history answers with (series named by a label value come on top, as they appear). */
export const HISTORY_SERIES = [...COUNTER_SERIES.map((c) => c.series), "high_value", ...MAX_IN_HOUR, "dead_letters", "mean_score"] as const;

interface MinuteRow {
  minute: number;
  sampled_at: number;
  counters: string;
  backlog_events: number;
  backlog_chunks: number;
  lag_seconds: number;
  dead_letters: number;
  high_value: number;
  scores: number;
  mean_score: number | null;
}

/** One sample's values by series, and how many scores its mean is of. */
export interface SeriesPoint {
  at: number;
  values: Record<string, number>;
  scores: number;
}

export const startOfMinute = (t: number) => Math.floor(t / MINUTE_MS) * MINUTE_MS;
export const startOfHour = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;

/** What one history sample records: the job's summary. */
export interface HistorySample {
  minute: string;
  hour: string;
  backlog_events: number;
  lag_seconds: number;
  dead_letters: number;
  scores: number;
}

/**
 * Samples the minute `now` falls in and upserts its row (a re-run in the same minute overwrites it), then
 * recomputes that hour's rollup from its minute rows. Counter values are stored raw; deltas are taken on read.
 * Scores are those written since the previous minute row (or in the last minute when there is none).
 */
export async function recordHistorySample(db: D1Database, now: number): Promise<HistorySample> {
  const minute = startOfMinute(now);
  const names = COUNTER_SERIES.map((c) => c.counter);
  const [counterRows, pending, deadLetters, previous] = await Promise.all([
    db
      .prepare("SELECT name, labels, value FROM counters WHERE name IN (SELECT value FROM json_each(?1))")
      .bind(JSON.stringify(names))
      .all<{ name: string; labels: string; value: number }>(),
    pendingSummary(db),
    db.prepare("SELECT count(*) AS n FROM dead_letters WHERE replayed_at IS NULL").first<{ n: number }>(),
    db.prepare("SELECT sampled_at FROM metrics_minutes WHERE minute < ?1 ORDER BY minute DESC LIMIT 1").bind(minute).first<{ sampled_at: number }>(),
  ]);
  const since = Math.min(previous?.sampled_at ?? now - MINUTE_MS, now);
  const scores = await db
    .prepare(
      `SELECT count(value) AS scores, avg(value) AS mean, count(DISTINCT CASE WHEN high_value = 1 THEN project || char(0) || event_id END) AS high_value
       FROM event_scores WHERE scored_at > ?1 AND scored_at <= ?2`,
    )
    .bind(since, now)
    .first<{ scores: number; mean: number | null; high_value: number }>();

  const counters = Object.fromEntries(counterRows.results.map((r) => [r.labels ? `${r.name}{${r.labels}}` : r.name, r.value]));
  const lagSeconds = pending.oldestCreatedAt === null ? 0 : Math.max(0, (now - pending.oldestCreatedAt) / 1000);
  const row = {
    backlog_events: pending.events,
    lag_seconds: lagSeconds,
    dead_letters: deadLetters?.n ?? 0,
    scores: scores?.scores ?? 0,
  };
  await db
    .prepare(
      `INSERT INTO metrics_minutes (minute, sampled_at, counters, backlog_events, backlog_chunks, lag_seconds, dead_letters, high_value, scores, mean_score)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
       ON CONFLICT (minute) DO UPDATE SET sampled_at = excluded.sampled_at, counters = excluded.counters, backlog_events = excluded.backlog_events,
         backlog_chunks = excluded.backlog_chunks, lag_seconds = excluded.lag_seconds, dead_letters = excluded.dead_letters,
         high_value = excluded.high_value, scores = excluded.scores, mean_score = excluded.mean_score`,
    )
    .bind(
      minute,
      now,
      JSON.stringify(counters),
      row.backlog_events,
      pending.batches,
      lagSeconds,
      row.dead_letters,
      scores?.high_value ?? 0,
      row.scores,
      scores?.mean ?? null,
    )
    .run();

  const hour = startOfHour(now);
  await rollUpHour(db, hour);
  return { minute: new Date(minute).toISOString(), hour: new Date(hour).toISOString(), ...row };
}

/** Recomputes one hour's rollup from its minute rows (and the row before them, the first delta's base). */
async function rollUpHour(db: D1Database, hour: number): Promise<void> {
  const points = seriesPoints(await minuteRows(db, hour, hour + HOUR_MS));
  if (!points.length) return;
  const series: Record<string, number> = {};
  let scores = 0;
  let scoreSum = 0;
  for (const p of points) {
    for (const [name, v] of Object.entries(p.values)) {
      if (name === "mean_score") scoreSum += v * p.scores;
      else if (name === "dead_letters") series[name] = v;
      else if ((MAX_IN_HOUR as readonly string[]).includes(name)) series[name] = Math.max(series[name] ?? 0, v);
      else series[name] = (series[name] ?? 0) + v;
    }
    scores += p.scores;
  }
  if (scores > 0) series.mean_score = scoreSum / scores;
  await db
    .prepare(
      `INSERT INTO metrics_hours (hour, samples, scores, series) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (hour) DO UPDATE SET samples = excluded.samples, scores = excluded.scores, series = excluded.series`,
    )
    .bind(hour, points.length, scores, JSON.stringify(series))
    .run();
}

/** Minute rows in [from, to), led by the last row before `from` when there is one (the base of the first delta). */
async function minuteRows(db: D1Database, from: number, to: number): Promise<MinuteRow[]> {
  const [base, rows] = await db.batch<MinuteRow>([
    db.prepare("SELECT * FROM metrics_minutes WHERE minute < ?1 ORDER BY minute DESC LIMIT 1").bind(from),
    db.prepare("SELECT * FROM metrics_minutes WHERE minute >= ?1 AND minute < ?2 ORDER BY minute").bind(from, to),
  ]);
  return [...(base?.results ?? []), ...(rows?.results ?? [])];
}

/** A counter's increase between two samples; one that went down (a restore, a wiped table) counts 0, never a negative. */
function increase(current: number, previous: number | undefined): number {
  return current >= (previous ?? 0) ? current - (previous ?? 0) : 0;
}

function labelValue(key: string, label: string): string | undefined {
  return new RegExp(`[{,]${label}="((?:[^"\\\\]|\\\\.)*)"`).exec(key)?.[1];
}

/**
 * Each minute row's series: counter deltas against the row before it (so the first row, with no base, gives
 * none of them), and its gauges. A label set missing from the earlier row is new since then and counts whole.
 */
export function seriesPoints(rows: readonly MinuteRow[]): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  let before: Record<string, number> | undefined;
  for (const row of rows) {
    const counters = JSON.parse(row.counters) as Record<string, number>;
    if (before) {
      const values: Record<string, number> = {};
      for (const spec of COUNTER_SERIES) values[spec.series] = 0;
      for (const [key, value] of Object.entries(counters)) {
        const spec = COUNTER_SERIES.find((c) => key === c.counter || key.startsWith(`${c.counter}{`));
        if (!spec) continue;
        const delta = increase(value, before[key]);
        values[spec.series] = (values[spec.series] ?? 0) + delta;
        const label = "byLabel" in spec ? labelValue(key, spec.byLabel) : undefined;
        if (label !== undefined) values[`${spec.series}.${label}`] = (values[`${spec.series}.${label}`] ?? 0) + delta;
      }
      values.high_value = row.high_value;
      values.backlog_events = row.backlog_events;
      values.backlog_chunks = row.backlog_chunks;
      values.lag_seconds = row.lag_seconds;
      values.dead_letters = row.dead_letters;
      if (row.mean_score !== null && row.scores > 0) values.mean_score = row.mean_score;
      points.push({ at: row.minute, values, scores: row.scores });
    }
    before = counters;
  }
  return points;
}

/** Per-minute points from `from` on (rows of the last 48 h). */
export async function readMinuteHistory(db: D1Database, from: number): Promise<SeriesPoint[]> {
  return seriesPoints(await minuteRows(db, startOfMinute(from), Number.MAX_SAFE_INTEGER));
}

/** Per-hour points from the hour `from` falls in on (rows of the last 90 days). */
export async function readHourHistory(db: D1Database, from: number): Promise<SeriesPoint[]> {
  const { results } = await db
    .prepare("SELECT hour, scores, series FROM metrics_hours WHERE hour >= ?1 ORDER BY hour")
    .bind(startOfHour(from))
    .all<{ hour: number; scores: number; series: string }>();
  return results.map((r) => ({ at: r.hour, values: JSON.parse(r.series) as Record<string, number>, scores: r.scores }));
}

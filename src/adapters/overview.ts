import { readCounters } from "./counters";
import { listJobRuns } from "./job-runs";
import { pendingSummary } from "./batch-store";
import { recentPatterns } from "./pattern-store";

/** What the dashboard shows, in one read: counters, backlog, jobs, breakers and the score distribution. */
export async function readOverview(db: D1Database, now: number) {
  const [counters, pending, jobs, scores, patterns, datasets] = await Promise.all([
    readCounters(db),
    pendingSummary(db),
    listJobRuns(db),
    db
      .prepare(
        `SELECT CASE WHEN value IS NULL THEN 'unknown' ELSE printf('%.1f', min(0.9, floor(value * 10) / 10.0)) END AS bucket, count(*) AS n
         FROM event_scores GROUP BY bucket ORDER BY bucket`,
      )
      .all<{ bucket: string; n: number }>(),
    recentPatterns(db, 8),
    db
      .prepare(
        `SELECT d.project, d.name, d.current_version, coalesce(s.example_count, 0) AS examples, coalesce(s.size_bytes, 0) AS bytes
         FROM datasets d LEFT JOIN dataset_current_sizes s ON s.project = d.project AND s.dataset = d.name ORDER BY d.project, d.name LIMIT 50`,
      )
      .all<{ project: string; name: string; current_version: number | null; examples: number; bytes: number }>(),
  ]);
  let breakers: { dependency: string; state: string }[] = [];
  try {
    breakers = (await db.prepare("SELECT dependency, state FROM breakers ORDER BY dependency").all<{ dependency: string; state: string }>()).results;
  } catch {
    // No breaker table until a dependency is configured and used.
  }
  return {
    now: new Date(now).toISOString(),
    counters,
    backlog: { events: pending.events, chunks: pending.batches, lag_seconds: pending.oldestCreatedAt === null ? 0 : (now - pending.oldestCreatedAt) / 1000 },
    jobs: jobs.map((j) => ({
      ...j,
      last_started_at: j.last_started_at && new Date(j.last_started_at).toISOString(),
      last_success_at: j.last_success_at && new Date(j.last_success_at).toISOString(),
      last_result: j.last_result === null ? null : (JSON.parse(j.last_result) as unknown),
    })),
    breakers,
    score_distribution: scores.results,
    recent_patterns: patterns.map((p) => ({ id: p.id, project: p.project, problem: p.problem, extractor: p.extractor, value: p.value, source: p.source })),
    datasets: datasets.results,
  };
}

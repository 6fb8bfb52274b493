import { readCounters } from "./counters";
import { listJobRuns } from "./job-runs";
import { pendingSummary } from "./batch-store";

/** What the dashboard shows, in one read: counters, backlog, jobs, breakers and the score distribution. */
export async function readOverview(db: D1Database, now: number) {
  const [counters, pending, jobs, scores] = await Promise.all([
    readCounters(db),
    pendingSummary(db),
    listJobRuns(db),
    db
      .prepare(
        `SELECT CASE WHEN value IS NULL THEN 'unknown' ELSE printf('%.1f', min(0.9, floor(value * 10) / 10.0)) END AS bucket, count(*) AS n
         FROM event_scores GROUP BY bucket ORDER BY bucket`,
      )
      .all<{ bucket: string; n: number }>(),
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
  };
}

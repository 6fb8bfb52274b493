import { Hono } from "hono";
import { probeDependencies, type Check } from "../adapters/dependency-probes";
import { listJobRuns } from "../adapters/job-runs";
import { currentPressure } from "../adapters/pressure";
import { readConfig } from "../config";
import { SCHEDULES } from "../cron";
import type { Env } from "../env";

export const healthRoutes = new Hono<{ Bindings: Env }>();

/** Liveness: the worker answers. */
healthRoutes.get("/healthz", (c) => c.json({ status: "ok" }));

/** Seconds between runs of each job, from its cron schedule (minute field only: `*` or `*\/n`). */
function periodSeconds(cron: string): number {
  const minute = cron.split(" ")[0] ?? "*";
  const step = /^\*\/(\d+)$/.exec(minute);
  return step ? Number(step[1]) * 60 : minute === "*" ? 60 : 86_400;
}

/**
 * Readiness: a real D1 query, every configured dependency probed, breaker
 * states, queue lag against its budget, database size against its cap, and
 * the freshness of each cron job. `failing` (503) only when Gleaner cannot
 * accept events; `degraded` (200) when it accepts them but work waits.
 */
healthRoutes.get("/readyz", async (c) => {
  const config = readConfig(c.env);
  const now = Date.now();
  const checks: Record<string, Check> = {};

  let dbSize: number | undefined;
  try {
    const res = await c.env.DB.prepare("SELECT 1 AS one").run();
    dbSize = res.meta.size_after;
    checks.database = { status: "ok", reason: "D1 answered a query", duration_ms: Date.now() - now };
  } catch (err) {
    checks.database = { status: "failing", reason: `D1 query failed: ${err instanceof Error ? err.message : "error"}` };
  }

  if (dbSize !== undefined) {
    const share = dbSize / config.DB_SIZE_CAP_BYTES;
    checks.storage = {
      status: share >= 1 ? "failing" : share >= 0.8 ? "degraded" : "ok",
      reason: `database is ${(share * 100).toFixed(1)} % of its ${config.DB_SIZE_CAP_BYTES} byte cap`,
      size_bytes: dbSize,
      cap_bytes: config.DB_SIZE_CAP_BYTES,
    };
  }

  if (checks.database.status === "ok") {
    const pressure = await currentPressure(
      c.env.DB,
      { maxBacklogEvents: config.BACKPRESSURE_MAX_BACKLOG_EVENTS, maxLagSeconds: config.BACKPRESSURE_MAX_LAG_SECONDS },
      now,
      0,
    );
    checks.queue = {
      status: pressure.overBudget ? "degraded" : "ok",
      reason: pressure.overBudget
        ? "processing is behind its budget: ingest answers 429"
        : `${pressure.backlogEvents} events waiting, oldest ${pressure.lagSeconds.toFixed(1)} s`,
      backlog_events: pressure.backlogEvents,
      lag_seconds: pressure.lagSeconds,
      budget: pressure.budget,
    };

    const runs = new Map((await listJobRuns(c.env.DB)).map((r) => [r.name, r]));
    for (const [cron, job] of Object.entries(SCHEDULES)) {
      const run = runs.get(job);
      const period = periodSeconds(cron);
      const age = run?.last_success_at ? (now - run.last_success_at) / 1000 : null;
      checks[`cron_${job}`] =
        age === null
          ? { status: "ok", reason: "no successful run yet", schedule: cron }
          : age > 2 * period
            ? { status: "degraded", reason: `last success ${Math.round(age)} s ago, over two periods of ${period} s`, schedule: cron }
            : { status: "ok", reason: `last success ${Math.round(age)} s ago`, schedule: cron };
    }

    try {
      const { results } = await c.env.DB.prepare("SELECT dependency, state, opened_at FROM breakers").all<{ dependency: string; state: string }>();
      for (const b of results) {
        checks[`breaker_${b.dependency}`] = { status: b.state === "closed" ? "ok" : "degraded", reason: `circuit ${b.state}`, state: b.state };
      }
    } catch {
      // No breaker has been used yet.
    }
  }

  for (const [name, check] of Object.entries(await probeDependencies(c.env))) checks[`dependency_${name}`] = check;

  const statuses = Object.values(checks).map((ch) => ch.status);
  const status = statuses.includes("failing") ? "failing" : statuses.includes("degraded") ? "degraded" : "ok";
  return c.json({ status, checks }, status === "failing" ? 503 : 200);
});

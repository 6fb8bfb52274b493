import { listBreakerStates } from "../adapters/breaker-states";
import { probeDatabase } from "../adapters/database-probe";
import { type Check, probeDependencies } from "../adapters/dependency-probes";
import { listJobRuns } from "../adapters/job-runs";
import { currentPressure, pressureBudget } from "../adapters/pressure";
import type { Config } from "../config";
import type { Env } from "../env";

export type ReadinessStatus = "ok" | "degraded" | "failing";

export interface Readiness {
  status: ReadinessStatus;
  /** database, storage, queue, cron_<job>, breaker_<dependency>, dependency_<name>. */
  checks: Record<string, Check>;
}

/** Seconds between runs of each job, from its cron schedule (minute field only: `*` or `*\/n`). */
function periodSeconds(cron: string): number {
  const minute = cron.split(" ")[0] ?? "*";
  const step = /^\*\/(\d+)$/.exec(minute);
  return step ? Number(step[1]) * 60 : minute === "*" ? 60 : 86_400;
}

function cronCheck(cron: string, lastSuccessAt: number | null | undefined, now: number): Check {
  const period = periodSeconds(cron);
  const age = lastSuccessAt ? (now - lastSuccessAt) / 1000 : null;
  if (age === null) return { status: "ok", reason: "no successful run yet", schedule: cron };
  if (age > 2 * period) return { status: "degraded", reason: `last success ${Math.round(age)} s ago, over two periods of ${period} s`, schedule: cron };
  return { status: "ok", reason: `last success ${Math.round(age)} s ago`, schedule: cron };
}

/**
 * Readiness: a real D1 query, every configured dependency probed, breaker
 * states, queue lag against its budget, database size against its cap, and
 * the freshness of each cron job (`schedules`: cron string → job name).
 * `failing` only when Gleaner cannot accept events; `degraded` when it
 * accepts them but work waits.
 *
 * @example
 * const { status, checks } = await checkReadiness(env, config, SCHEDULES, Date.now());
 */
export async function checkReadiness(env: Env, config: Config, schedules: Record<string, string>, now: number): Promise<Readiness> {
  const checks: Record<string, Check> = {};

  let dbSize: number | undefined;
  try {
    dbSize = (await probeDatabase(env.DB)).sizeBytes;
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
    const pressure = await currentPressure(env.DB, pressureBudget(config), now, 0);
    checks.queue = {
      status: pressure.overBudget ? "degraded" : "ok",
      reason: pressure.overBudget
        ? "processing is behind its budget: ingest answers 429"
        : `${pressure.backlogEvents} events waiting, oldest ${pressure.lagSeconds.toFixed(1)} s`,
      backlog_events: pressure.backlogEvents,
      lag_seconds: pressure.lagSeconds,
      budget: pressure.budget,
    };

    const runs = new Map((await listJobRuns(env.DB)).map((r) => [r.name, r]));
    for (const [cron, job] of Object.entries(schedules)) checks[`cron_${job}`] = cronCheck(cron, runs.get(job)?.last_success_at, now);

    for (const b of await listBreakerStates(env.DB)) {
      checks[`breaker_${b.dependency}`] = { status: b.state === "closed" ? "ok" : "degraded", reason: `circuit ${b.state}`, state: b.state };
    }
  }

  for (const [name, check] of Object.entries(await probeDependencies(env))) checks[`dependency_${name}`] = check;

  const statuses = Object.values(checks).map((ch) => ch.status);
  const status = statuses.includes("failing") ? "failing" : statuses.includes("degraded") ? "degraded" : "ok";
  return { status, checks };
}

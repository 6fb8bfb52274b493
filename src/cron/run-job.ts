import { commitTogether } from "../adapters/commit";
import { incrementCounter } from "../adapters/counters";
import { observeStageDuration } from "../adapters/histograms";
import { recordJobFailureStatement, recordJobStart, recordJobSuccessStatement } from "../adapters/job-runs";
import { errorType, log } from "../adapters/log";
import type { Config } from "../config";
import type { Env } from "../env";
import { JOBS, type Job, type JobName } from "./jobs";

/**
 * Runs a job by name and records the run in D1 (last start, last success,
 * failures, duration): what /readyz, /metrics and the alerts read. Cron and
 * the admin "run now" route both come through here; the route validates
 * `params` against the job's schema first, so a bad body is a 400, not a run.
 * `config` is the configuration the caller parsed once for its invocation.
 */
export async function runJob(env: Env, config: Config, name: JobName, params: unknown = {}, requestId?: string): Promise<unknown> {
  const started = Date.now();
  await recordJobStart(env.DB, name, started);
  try {
    const job: Job = JOBS[name];
    const result = await job.run(env, config, job.params.parse(params));
    const now = Date.now();
    await commitTogether(env.DB, [recordJobSuccessStatement(env.DB, name, now, result), observeStageDuration(env.DB, "job", (now - started) / 1000)]);
    log("info", "job done", { job: name, duration_ms: now - started, result, request_id: requestId });
    return result;
  } catch (err) {
    log("error", "job failed", { job: name, error: err, request_id: requestId });
    await commitTogether(env.DB, [
      recordJobFailureStatement(env.DB, name, err instanceof Error ? err.message : String(err)),
      incrementCounter(env.DB, "errors_total", 1, `stage="${name}",type="${errorType(err)}"`),
    ]);
    throw err;
  }
}

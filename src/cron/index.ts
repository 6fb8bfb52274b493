import { readConfig } from "../config";
import type { Env } from "../env";
import type { JobName } from "./jobs";
import { runJob } from "./run-job";

/** Schedules as written in wrangler.toml [triggers] crons, each mapped to its job. */
export const SCHEDULES: Record<string, JobName> = {
  "* * * * *": "relay",
  "*/5 * * * *": "scoring",
  "*/2 * * * *": "patterns",
  "*/10 * * * *": "datasets",
  "17 3 * * *": "lifecycle",
  // Every minute, like relay: one job per schedule string, so this one is spelt with a step of 1.
  "*/1 * * * *": "history",
};

/** The cron handler: parses the configuration once for this invocation and runs the schedule's job. */
export async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  const job = SCHEDULES[controller.cron];
  if (!job) throw new Error(`no job for cron schedule '${controller.cron}'`);
  await runJob(env, readConfig(env), job);
}

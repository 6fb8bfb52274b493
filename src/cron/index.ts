import type { Env } from "../env";
import { JOBS, type JobName } from "./jobs";

/** Schedules as written in wrangler.toml [triggers] crons, each mapped to its job. */
export const SCHEDULES: Record<string, JobName> = {
  "* * * * *": "relay",
  "*/5 * * * *": "scoring",
};

export async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  const job = SCHEDULES[controller.cron];
  if (!job) throw new Error(`no job for cron schedule '${controller.cron}'`);
  const result = await JOBS[job](env, {});
  console.log("cron job done", job, JSON.stringify(result));
}

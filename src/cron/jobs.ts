import type { Env } from "../env";
import { relayInbox } from "./relay";
import { buildDatasets } from "./datasets";
import { applyRetention } from "./lifecycle";
import { maintainPatterns } from "./patterns";
import { rescoreEvents } from "./rescore";

/**
 * Jobs by name: the cron dispatcher and the admin "run now" route call the
 * same functions. Each returns a JSON summary of what it did.
 */
export const JOBS = {
  relay: (env: Env, params: Record<string, unknown>) =>
    relayInbox(env, { olderThanSeconds: typeof params.older_than_seconds === "number" ? params.older_than_seconds : undefined }),
  scoring: (env: Env) => rescoreEvents(env),
  patterns: (env: Env, params: Record<string, unknown>) => maintainPatterns(env, params),
  datasets: (env: Env) => buildDatasets(env),
  lifecycle: (env: Env, params: Record<string, unknown>) => applyRetention(env, params),
} satisfies Record<string, (env: Env, params: Record<string, unknown>) => Promise<unknown>>;

export type JobName = keyof typeof JOBS;

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}

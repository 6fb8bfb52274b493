import { z } from "zod";
import type { Config } from "../config";
import type { Env } from "../env";
import { relayInbox } from "./relay";
import { buildDatasets } from "./datasets";
import { recordHistory } from "./history";
import { applyRetention } from "./lifecycle";
import { maintainPatterns } from "./patterns";
import { rescoreEvents } from "./rescore";

/** A job: the parameters a run-now body may carry (cron passes none) and the run itself, with the configuration its caller parsed. */
export interface Job<P extends Record<string, unknown> = Record<string, unknown>> {
  params: z.ZodType<P>;
  run(env: Env, config: Config, params: P): Promise<unknown>;
}

const job = <P extends Record<string, unknown>>(params: z.ZodType<P>, run: (env: Env, config: Config, params: P) => Promise<unknown>): Job<P> => ({
  params,
  run,
});

/** Ten years: beyond it an age is a typo, and `Date` arithmetic on it still stays in range. */
const MAX_AGE_SECONDS = 10 * 366 * 86_400;

const olderThanSeconds = z.number().int().min(0).max(MAX_AGE_SECONDS).describe("relay what has waited at least this long (seconds)");

/** 9999-12-31T23:59:59.999Z: the last instant an ISO time has four year digits for. */
const MAX_TIME_MS = 253_402_300_799_999;

const noParams = z.strictObject({});

/**
 * Jobs by name: the cron dispatcher and the admin "run now" route call the
 * same functions. Each returns a JSON summary of what it did.
 */
export const JOBS = {
  relay: job(z.strictObject({ older_than_seconds: olderThanSeconds.optional() }), (env, config, p) =>
    relayInbox(env, config, { olderThanSeconds: p.older_than_seconds }),
  ),
  scoring: job(noParams, (env, config) => rescoreEvents(env, config)),
  patterns: job(z.strictObject({ older_than_seconds: olderThanSeconds.optional() }), (env, config, p) => maintainPatterns(env, config, p)),
  datasets: job(noParams, (env, config) => buildDatasets(env, config)),
  lifecycle: job(
    z.strictObject({ now: z.number().int().min(0).max(MAX_TIME_MS).optional().describe("apply retention as of this time (ms since the epoch)") }),
    (env, config, p) => applyRetention(env, config, p),
  ),
  history: job(
    z.strictObject({ now: z.number().int().min(0).max(MAX_TIME_MS).optional().describe("sample as of this time (ms since the epoch)") }),
    (env, config, p) => recordHistory(env, config, p),
  ),
};

export type JobName = keyof typeof JOBS;

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}

import { Cron } from "croner";
import { log } from "../../src/adapters/log";
import { describeError } from "./retry";

/**
 * Fires the worker's cron triggers on their schedule. Local workerd never
 * fires crons by itself, so the runner must. Runs are never overlapped, and a
 * run that fails is logged, never thrown: the next one still fires.
 */
export function scheduleCrons(schedules: string[], fire: (cron: string) => Promise<void>): { stop(): void } {
  const jobs = schedules.map(
    (expr) =>
      new Cron(expr, { protect: true, timezone: "UTC" }, async () => {
        try {
          await fire(expr);
        } catch (err) {
          log("error", "cron dispatch failed", { cron: expr, reason: describeError(err) });
        }
      }),
  );
  return {
    stop: () => {
      for (const job of jobs) job.stop();
    },
  };
}

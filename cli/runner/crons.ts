import { Cron } from "croner";

/**
 * Fires the worker's cron triggers on their schedule. Local workerd never
 * fires crons by itself, so the runner must. Runs are never overlapped.
 */
export function scheduleCrons(schedules: string[], fire: (cron: string) => Promise<void>): { stop(): void } {
  const jobs = schedules.map(
    (expr) =>
      new Cron(expr, { protect: true, timezone: "UTC" }, async () => {
        try {
          await fire(expr);
        } catch (err) {
          console.error(`cron '${expr}' failed:`, err instanceof Error ? err.message : err);
        }
      }),
  );
  return {
    stop: () => {
      for (const job of jobs) job.stop();
    },
  };
}

import type { Config } from "../config";
import { pendingSummary } from "./batch-store";

/** How far processing may fall behind before ingest answers 429. */
export interface PressureBudget {
  maxBacklogEvents: number;
  maxLagSeconds: number;
}

/** The budget from the BACKPRESSURE_* settings. */
export function pressureBudget(c: Config): PressureBudget {
  return { maxBacklogEvents: c.BACKPRESSURE_MAX_BACKLOG_EVENTS, maxLagSeconds: c.BACKPRESSURE_MAX_LAG_SECONDS };
}

export interface Pressure {
  backlogEvents: number;
  backlogBatches: number;
  lagSeconds: number;
  overBudget: boolean;
  budget: PressureBudget;
}

let cached: { at: number; pressure: Pressure } | undefined;

/**
 * How far processing is behind: accepted events not yet processed, and the age
 * of the oldest. Ingest consults this on every request, so the answer is kept
 * for `cacheMs` in isolate memory: a cache of a D1 fact, not state.
 */
export async function currentPressure(db: D1Database, budget: PressureBudget, now: number, cacheMs: number): Promise<Pressure> {
  if (cached && now - cached.at < cacheMs) return cached.pressure;
  const pending = await pendingSummary(db);
  const lagSeconds = pending.oldestCreatedAt === null ? 0 : Math.max(0, (now - pending.oldestCreatedAt) / 1000);
  const pressure: Pressure = {
    backlogEvents: pending.events,
    backlogBatches: pending.batches,
    lagSeconds,
    overBudget: pending.events > budget.maxBacklogEvents || lagSeconds > budget.maxLagSeconds,
    budget,
  };
  cached = { at: now, pressure };
  return pressure;
}

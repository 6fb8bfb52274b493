import { recordHistorySample } from "../adapters/history-store";
import type { Config } from "../config";
import type { Env } from "../env";

/**
 * The `history` job, every minute: samples the charted counters (raw values; deltas are taken on read) and gauges
 * (backlog, lag, dead letters, the scores written since the last sample) into the minute's row of `metrics_minutes`,
 * and recomputes the hour's row of `metrics_hours`. Idempotent: a re-run in the same minute overwrites that minute.
 * `now` (ms since the epoch) samples as of another time; the lifecycle job prunes both tables.
 */
export async function recordHistory(env: Env, _config: Config, params: { now?: number } = {}) {
  return recordHistorySample(env.DB, params.now ?? Date.now());
}

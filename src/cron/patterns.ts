import { sendPerIds } from "../adapters/queue-send";
import { markExtractionsEnqueued, staleExtractions } from "../adapters/pattern-store";
import type { Config } from "../config";
import type { Env } from "../env";
import { fillNewCollection, reextractFallbacks } from "../pipeline/refresh-patterns";
import { patternDeps } from "../wiring";

/**
 * The `patterns` job: re-sends extractions nobody finished (the extract
 * outbox relay), re-extracts fallback patterns with the LLM once it answers
 * again, and fills a new model's collection page by page, switching reads to
 * it only when it is complete.
 */
export async function maintainPatterns(env: Env, config: Config, params: Record<string, unknown> = {}) {
  const deps = patternDeps(env, config);
  const now = Date.now();
  const olderThan = typeof params.older_than_seconds === "number" ? params.older_than_seconds : config.RELAY_AFTER_SECONDS;
  return {
    extractions_relayed: await relayExtractions(env, now - olderThan * 1000, config.RELAY_MAX_BATCHES),
    reextracted: await reextractFallbacks(deps, config.PATTERNS_PAGE_SIZE, now),
    reembedded: await fillNewCollection(deps, config.PATTERNS_PAGE_SIZE, now),
  };
}

async function relayExtractions(env: Env, cutoff: number, limit: number): Promise<number> {
  const stale = await staleExtractions(env.DB, cutoff, limit);
  for (const [project, rows] of Map.groupBy(stale, (r) => r.project)) {
    // A failed send fails the job: the rows stay stale and the next run relays them.
    const error = await sendPerIds(
      env.EXTRACT_QUEUE,
      rows.map((r) => r.event_id),
      (event_ids) => ({ kind: "extract" as const, project, event_ids }),
    );
    if (error) throw error;
  }
  if (stale.length) await markExtractionsEnqueued(env.DB, stale, Date.now());
  return stale.length;
}

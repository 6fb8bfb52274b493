import { sendPerIds } from "../adapters/queue-send";
import { latestFinishedExtraction, markExtractionsEnqueued, staleExtractions } from "../adapters/pattern-store";
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
  const explicit = typeof params.older_than_seconds === "number";
  const olderThan = explicit ? (params.older_than_seconds as number) : config.RELAY_AFTER_SECONDS;
  return {
    extractions_relayed: await relayExtractions(env, now - olderThan * 1000, config.RELAY_MAX_BATCHES, !explicit),
    reextracted: await reextractFallbacks(deps, config.PATTERNS_PAGE_SIZE, now),
    reembedded: await fillNewCollection(deps, config.PATTERNS_PAGE_SIZE, now),
  };
}

/**
 * Re-sends extractions not finished within the delay. The scheduled run (`onlyPassed`) leaves alone those the
 * queue has not reached yet, as the inbox relay does: when extractions finished within the delay, only stale ones
 * enqueued before the latest of those are presumed lost (the queue delivers oldest first), so a backlog is not
 * enqueued again every run; when none finished, every stale one is relayed. An explicit `older_than_seconds`
 * relays every stale one.
 */
async function relayExtractions(env: Env, cutoff: number, limit: number, onlyPassed: boolean): Promise<number> {
  const reached = onlyPassed ? await latestFinishedExtraction(env.DB, cutoff) : null;
  const stale = await staleExtractions(env.DB, reached === null ? cutoff : Math.min(cutoff, reached), limit);
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

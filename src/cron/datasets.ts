import { incrementCounter } from "../adapters/counters";
import { candidatesAfter, ensureDefaultDatasets, listDatasets, storeExamples } from "../adapters/dataset-store";
import type { Config } from "../config";
import type { Env } from "../env";
import { isFlagOn } from "../flags";
import { curateExamples } from "../pipeline/curate-examples";
import { curationDeps } from "../wiring";

/**
 * The `datasets` job: adds new high-value interactions to every dataset by
 * its rules. Exact duplicates are refused by content hash; near duplicates by
 * cosine similarity of the built-in embedding (one batched search per page,
 * plus the page against itself). A cursor per dataset makes it resumable.
 */
export async function buildDatasets(env: Env, config: Config) {
  const deps = curationDeps(env);
  const now = Date.now();
  await ensureDefaultDatasets(env.DB, now);
  const summary = { datasets: 0, scanned: 0, added: 0, near_duplicates: 0, skipped: 0 };
  for (const ds of await listDatasets(env.DB)) {
    summary.datasets++;
    const dropNearDuplicates = isFlagOn("dataset_near_duplicates", env.FLAGS, ds.project);
    let cursor = ds.cursor;
    for (let page = 0; page < config.SCORING_MAX_PAGES; page++) {
      const candidates = await candidatesAfter(env.DB, ds.project, cursor, config.SCORING_PAGE_SIZE);
      const last = candidates.at(-1);
      if (!last) break;
      const result = await curateExamples(deps, ds, candidates, dropNearDuplicates);
      cursor = last.record.seq;
      await storeExamples(env.DB, ds, result.examples, cursor, now, result.excludedRedacted);
      summary.scanned += candidates.length;
      summary.added += result.examples.length;
      summary.near_duplicates += result.nearDuplicates;
      summary.skipped += result.skipped;
    }
  }
  if (summary.added) await incrementCounter(env.DB, "dataset_examples_added_total", summary.added).run();
  return summary;
}

import { incrementCounter } from "../adapters/counters";
import { candidatesAfter, ensureDefaultDatasets, listDatasets, storeExamples, type DatasetRow, type ExampleToStore } from "../adapters/dataset-store";
import { EmbeddedVectorStore } from "../adapters/embedded-vector-store";
import { hashingEmbedder } from "../adapters/embedder";
import { collectionName } from "../adapters/vector-store";
import { sha256Hex } from "../domain/api-keys";
import { buildExample } from "../domain/datasets/example";
import { upcastEvent } from "../domain/upcast";
import { dot } from "../domain/vector-math";
import { utf8ByteLength } from "../domain/utf8";
import { readConfig } from "../config";
import { isFlagOn } from "../flags";
import type { Env } from "../env";

/** Near-duplicate search compares against this many newest examples of a dataset. */
const NEAR_DUPLICATE_WINDOW = 50_000;

/**
 * The `datasets` job: adds new high-value interactions to every dataset by
 * its rules. Exact duplicates are refused by content hash; near duplicates by
 * cosine similarity of the built-in embedding (one batched search per page,
 * plus the page against itself). Hashed or redacted text never becomes an
 * example. A cursor per dataset makes it resumable.
 */
export async function buildDatasets(env: Env) {
  const config = readConfig(env);
  const now = Date.now();
  await ensureDefaultDatasets(env.DB, now);
  const summary = { datasets: 0, scanned: 0, added: 0, near_duplicates: 0, skipped: 0 };
  for (const ds of await listDatasets(env.DB)) {
    summary.datasets++;
    let cursor = ds.cursor;
    for (let page = 0; page < config.SCORING_MAX_PAGES; page++) {
      const candidates = await candidatesAfter(env.DB, ds.project, cursor, config.SCORING_PAGE_SIZE);
      if (candidates.length === 0) break;
      const result = await addPage(env, ds, candidates);
      cursor = candidates[candidates.length - 1]!.record.seq;
      await storeExamples(env.DB, ds, result.examples, cursor, now);
      summary.scanned += candidates.length;
      summary.added += result.examples.length;
      summary.near_duplicates += result.nearDuplicates;
      summary.skipped += result.skipped;
    }
  }
  if (summary.added) await incrementCounter(env.DB, "dataset_examples_added_total", summary.added).run();
  return summary;
}

async function addPage(env: Env, ds: DatasetRow, candidates: Awaited<ReturnType<typeof candidatesAfter>>) {
  const examples: (ExampleToStore & { vector: Float32Array | null })[] = [];
  let skipped = 0;
  for (const c of candidates) {
    const decision = buildExample(upcastEvent(c.record.event, c.record.schemaVersion), c, ds.rules);
    if ("skip" in decision) {
      skipped++;
      continue;
    }
    const line = JSON.stringify(decision.example);
    const [, user, assistant] = decision.example.messages;
    examples.push({
      contentHash: await sha256Hex(line),
      eventId: c.record.eventId,
      line,
      bytes: utf8ByteLength(line) + 1,
      vector: (await hashingEmbedder.embed([`${user.content}\n${assistant.content}`]))[0] ?? null,
    });
  }
  const store = new EmbeddedVectorStore(env.DB, collectionName(`dataset_${ds.name}`, hashingEmbedder.model, hashingEmbedder.dimension), NEAR_DUPLICATE_WINDOW);
  const withVectors = examples.filter((e) => e.vector);
  const hits = withVectors.length
    ? await store.searchBatch(withVectors.map((e) => ({ project: ds.project, vector: e.vector!, limit: 1, excludeIds: [e.contentHash] })))
    : [];
  const nearEarlier = new Set(withVectors.filter((_, i) => (hits[i]?.[0]?.score ?? 0) >= ds.rules.near_duplicate_threshold).map((e) => e.contentHash));
  const dedupe = isFlagOn("dataset_near_duplicates", env.FLAGS, ds.project);
  const kept: typeof examples = [];
  for (const e of examples) {
    if (!dedupe) {
      kept.push(e);
      continue;
    }
    if (nearEarlier.has(e.contentHash)) continue;
    if (e.vector && kept.some((k) => k.vector && dot(k.vector, e.vector!) >= ds.rules.near_duplicate_threshold)) continue;
    kept.push(e);
  }
  await store.upsert(kept.flatMap((e) => (e.vector ? [{ id: e.contentHash, project: ds.project, vector: e.vector, payload: { event_id: e.eventId } }] : [])));
  return { examples: kept.map(({ vector: _v, ...rest }) => rest), nearDuplicates: examples.length - kept.length, skipped };
}

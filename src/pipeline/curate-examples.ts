import type { Candidate, DatasetRow, ExampleToStore } from "../adapters/dataset-store";
import type { Embedder } from "../adapters/embedder";
import type { VectorStore } from "../adapters/vector-store";
import { sha256Hex } from "../domain/sha256";
import { buildExample } from "../domain/datasets/example";
import { upcastEvent } from "../domain/upcast";
import { utf8ByteLength } from "../domain/utf8";
import { dot } from "../domain/vector-math";

/** What curation needs; src/wiring.ts builds it. */
export interface CurationDeps {
  /** The embedder near duplicates are judged with. */
  embedder: Embedder;
  /** The vectors of a dataset's examples. */
  storeFor(ds: DatasetRow): VectorStore;
}

export interface Curated {
  examples: ExampleToStore[];
  nearDuplicates: number;
  skipped: number;
}

/**
 * Turns a page of candidates into a dataset's new examples by its rules.
 * Hashed or redacted text never becomes an example. With `dropNearDuplicates`,
 * an example as close as the rules' threshold to an earlier one (one batched
 * search for the page) or to one kept before it in the page is dropped. The
 * kept examples' vectors are stored for later pages; storing the examples
 * themselves, with the dataset's cursor, is the caller's.
 */
export async function curateExamples(deps: CurationDeps, ds: DatasetRow, candidates: readonly Candidate[], dropNearDuplicates: boolean): Promise<Curated> {
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
      vector: (await deps.embedder.embed([`${user.content}\n${assistant.content}`]))[0] ?? null,
    });
  }
  const store = deps.storeFor(ds);
  const withVectors = examples.flatMap(({ vector, contentHash }) => (vector ? [{ vector, contentHash }] : []));
  const hits = withVectors.length
    ? await store.searchBatch(withVectors.map((e) => ({ project: ds.project, vector: e.vector, limit: 1, excludeIds: [e.contentHash] })))
    : [];
  const nearEarlier = new Set(withVectors.filter((_, i) => (hits[i]?.[0]?.score ?? 0) >= ds.rules.near_duplicate_threshold).map((e) => e.contentHash));
  const kept: typeof examples = [];
  for (const e of examples) {
    if (!dropNearDuplicates) {
      kept.push(e);
      continue;
    }
    if (nearEarlier.has(e.contentHash)) continue;
    const { vector } = e;
    if (vector && kept.some((k) => k.vector && dot(k.vector, vector) >= ds.rules.near_duplicate_threshold)) continue;
    kept.push(e);
  }
  await store.upsert(kept.flatMap((e) => (e.vector ? [{ id: e.contentHash, project: ds.project, vector: e.vector, payload: { event_id: e.eventId } }] : [])));
  return { examples: kept.map(({ vector: _v, ...rest }) => rest), nearDuplicates: examples.length - kept.length, skipped };
}

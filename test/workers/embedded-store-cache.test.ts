import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import {
  clearVectorCache,
  DEFAULT_CACHE_BYTES,
  DEFAULT_EXACT_COPY_BYTES,
  EmbeddedVectorStore,
  setExactCopyLimit,
  setVectorCacheLimit,
  vectorCacheStats,
} from "../../src/adapters/embedded-vector-store";
import { vectorToBase64 } from "../../src/domain/vector-math";

/** Unit vector along axis `i` of `dim`. */
function axis(i: number, dim = 8): Float32Array {
  const v = new Float32Array(dim);
  v[i % dim] = 1;
  return v;
}

let n = 0;
const fresh = () => `cache_test_${Date.now()}_${n++}`;
const ids = (hits: { id: string }[][] | undefined) => hits?.[0]?.map((h) => h.id);

/** The embedded store's per-isolate cache of decoded vectors (docs/vector-store.md): never stale, bounded. */
describe("embedded vector store cache", () => {
  afterEach(() => {
    setVectorCacheLimit(DEFAULT_CACHE_BYTES);
    setExactCopyLimit(DEFAULT_EXACT_COPY_BYTES);
    clearVectorCache();
  });

  it("keeps the decoded window after the first search and reads only the changed rows after", async () => {
    const c = fresh();
    const store = new EmbeddedVectorStore(env.DB, c, 100);
    await store.upsert(Array.from({ length: 20 }, (_, i) => ({ id: `p${i}`, project: "p", vector: axis(i), payload: {} })));
    clearVectorCache();
    expect(ids(await store.searchBatch([{ project: "p", vector: axis(3), limit: 1 }]))).toEqual(["p19"]); // newest first among equals
    expect(vectorCacheStats()).toMatchObject({ entries: 1, rows: 20 });
    await store.upsert([{ id: "new", project: "p", vector: axis(3), payload: {} }]);
    expect(ids(await store.searchBatch([{ project: "p", vector: axis(3), limit: 1 }]))).toEqual(["new"]);
    expect(vectorCacheStats().rows).toBe(21);
  });

  it("answers exactly as the uncached scan does, window and ties included", async () => {
    const c = fresh();
    const store = new EmbeddedVectorStore(env.DB, c, 7);
    await store.upsert(Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, project: "p", vector: axis(i % 3), payload: { value: i / 30 } })));
    const queries = [0, 1, 2].map((i) => ({ project: "p", vector: axis(i), limit: 4, excludeIds: ["p29"] }));
    const cached = await store.searchBatch(queries);
    setVectorCacheLimit(0); // the D1 scan
    const scanned = await store.searchBatch(queries);
    expect(vectorCacheStats().entries).toBe(0);
    expect(cached).toEqual(scanned);
    expect(cached[0]!.map((h) => h.id)).toEqual(["p27", "p24", "p28", "p26"]); // the newest 7 rows (p23…p29), ties newest first
  });

  it("reloads after a delete, a raw insert or a raw update (writes not made through the store)", async () => {
    const c = fresh();
    const store = new EmbeddedVectorStore(env.DB, c, 100);
    await store.upsert([
      { id: "a", project: "p", vector: axis(0), payload: {} },
      { id: "b", project: "p", vector: axis(1), payload: {} },
    ]);
    expect(ids(await store.searchBatch([{ project: "p", vector: axis(0), limit: 1 }]))).toEqual(["a"]);
    await env.DB.prepare("DELETE FROM vectors WHERE collection = ?1 AND point_id = 'a'").bind(c).run();
    expect(ids(await store.searchBatch([{ project: "p", vector: axis(0), limit: 1 }]))).toEqual(["b"]);
    await env.DB.prepare("INSERT INTO vectors (collection, point_id, project, vector, payload) VALUES (?1, 'raw', 'p', ?2, '{}')")
      .bind(c, vectorToBase64(axis(0)))
      .run();
    expect(ids(await store.searchBatch([{ project: "p", vector: axis(0), limit: 1 }]))).toEqual(["raw"]);
    await env.DB.prepare("UPDATE vectors SET vector = ?2 WHERE collection = ?1 AND point_id = 'b'")
      .bind(c, vectorToBase64(axis(5)))
      .run();
    const [hits] = await store.searchBatch([{ project: "p", vector: axis(5), limit: 1 }]);
    expect(hits!.map((h) => [h.id, Math.round(h.score)])).toEqual([["b", 1]]);
  });

  it("serves a larger window by reloading, and keeps projects apart", async () => {
    const c = fresh();
    await new EmbeddedVectorStore(env.DB, c, 1).upsert([
      { id: "old", project: "p", vector: axis(2), payload: {} },
      ...Array.from({ length: 5 }, (_, i) => ({ id: `n${i}`, project: "p", vector: axis(0), payload: {} })),
      { id: "other", project: "q", vector: axis(2), payload: {} },
    ]);
    expect(ids(await new EmbeddedVectorStore(env.DB, c, 5).searchBatch([{ project: "p", vector: axis(2), limit: 1 }]))?.[0]).not.toBe("old");
    expect(ids(await new EmbeddedVectorStore(env.DB, c, 6).searchBatch([{ project: "p", vector: axis(2), limit: 1 }]))).toEqual(["old"]);
    expect(ids(await new EmbeddedVectorStore(env.DB, c, 6).searchBatch([{ project: "q", vector: axis(2), limit: 5 }]))).toEqual(["other"]);
  });

  it("stays within its memory bound: least recently searched entries go first, a window too big is scanned", async () => {
    const dim = 64;
    setExactCopyLimit(0); // int8 codes only (vector-quantised.test.ts covers the Float32 copies)
    const collections = [fresh(), fresh(), fresh()];
    for (const c of collections) {
      await new EmbeddedVectorStore(env.DB, c, 1).upsert(
        Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, project: "p", vector: axis(i, dim), payload: {} })),
      );
    }
    // Each entry reserves its window plus slack (≥ 256 rows): room for two and a half of them.
    await new EmbeddedVectorStore(env.DB, collections[0]!, 10).searchBatch([{ project: "p", vector: axis(1, dim), limit: 1 }]);
    setVectorCacheLimit(Math.floor(2.5 * vectorCacheStats().bytes));
    // Two fit, a third evicts the least recently searched.
    for (const c of collections) await new EmbeddedVectorStore(env.DB, c, 10).searchBatch([{ project: "p", vector: axis(1, dim), limit: 1 }]);
    const stats = vectorCacheStats();
    expect(stats.entries).toBe(2);
    expect(stats.bytes).toBeLessThanOrEqual(stats.limit);
    // A window that cannot fit alone still answers, from D1.
    const big = new EmbeddedVectorStore(env.DB, collections[0]!, 10_000);
    expect(ids(await big.searchBatch([{ project: "p", vector: axis(4, dim), limit: 1 }]))).toEqual(["p4"]);
    expect(vectorCacheStats().bytes).toBeLessThanOrEqual(stats.limit);
  });
});

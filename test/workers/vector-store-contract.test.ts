import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_BREAKER } from "../../src/adapters/breaker";
import { EmbeddedVectorStore } from "../../src/adapters/embedded-vector-store";
import { QdrantVectorStore } from "../../src/adapters/qdrant-vector-store";
import type { VectorStore } from "../../src/adapters/vector-store";

function unit(values: number[]): Float32Array {
  const v = Float32Array.from(values);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const stores: [string, (collection: string) => VectorStore, boolean][] = [
  ["embedded", (c) => new EmbeddedVectorStore(env.DB, c, 10_000), true],
  ["qdrant", (c) => new QdrantVectorStore(env.DB, env.TEST_QDRANT_URL ?? "http://127.0.0.1:6333", undefined, c, 4, DEFAULT_BREAKER), !!env.TEST_QDRANT_URL],
];

/** One suite, run against every store: the embedded one always, Qdrant when QDRANT_URL is set. */
describe.each(stores)("VectorStore contract: %s", (name, make, available) => {
  const collection = `contract_${name}_${Date.now()}`;

  it.skipIf(!available)("returns the nearest points first, per query of a batch, within the project", async () => {
    const store = make(collection);
    await store.upsert([
      { id: "a", project: "p1", vector: unit([1, 0, 0, 0]), payload: { source: "s1", tags: ["x"], value: 0.9 } },
      { id: "b", project: "p1", vector: unit([0.9, 0.1, 0, 0]), payload: { source: "s2", tags: ["y"], value: 0.5 } },
      { id: "c", project: "p1", vector: unit([0, 0, 1, 0]), payload: { source: "s1", tags: ["y"], value: 0.8 } },
      { id: "d", project: "p2", vector: unit([1, 0, 0, 0]), payload: { source: "s1", tags: ["x"], value: 1 } },
    ]);
    const [near, far] = await store.searchBatch([
      { project: "p1", vector: unit([1, 0, 0, 0]), limit: 2 },
      { project: "p1", vector: unit([0, 0, 1, 0]), limit: 1 },
    ]);
    expect(near!.map((h) => h.id)).toEqual(["a", "b"]);
    expect(near![0]!.score).toBeCloseTo(1, 5);
    expect(far!.map((h) => h.id)).toEqual(["c"]);
  });

  it.skipIf(!available)("excludes ids and filters by source, tags and minimum value", async () => {
    const store = make(collection);
    const q = { project: "p1", vector: unit([1, 0, 0, 0]), limit: 3 };
    const [excluded, bySource, byTag, byValue] = await store.searchBatch([
      { ...q, excludeIds: ["a"] },
      { ...q, filter: { source: "s2" } },
      { ...q, filter: { tags: ["y"] } },
      { ...q, filter: { minValue: 0.85 } },
    ]);
    expect(excluded!.map((h) => h.id)).not.toContain("a");
    expect(bySource!.map((h) => h.id)).toEqual(["b"]);
    expect(byTag!.map((h) => h.id).sort()).toEqual(["b", "c"]);
    expect(byValue!.map((h) => h.id)).toEqual(["a"]);
  });

  it.skipIf(!available)("overwrites a point upserted again under the same id", async () => {
    const store = make(collection);
    await store.upsert([{ id: "a", project: "p1", vector: unit([0, 1, 0, 0]), payload: { source: "s1", tags: [], value: 0.9 } }]);
    const [hits] = await store.searchBatch([{ project: "p1", vector: unit([0, 1, 0, 0]), limit: 10 }]);
    expect(hits!.filter((h) => h.id === "a")).toHaveLength(1);
    expect(hits![0]!.id).toBe("a");
    expect(hits).toHaveLength(3);
  });

  it.skipIf(!available)("sees an in-place upsert made after a search (no stale reads)", async () => {
    const c = `${collection}_stale`;
    const writer = make(c);
    await writer.upsert([
      { id: "s1", project: "p1", vector: unit([1, 0, 0, 0]), payload: { source: "s1", tags: [], value: 0.1 } },
      { id: "s2", project: "p1", vector: unit([0, 1, 0, 0]), payload: { source: "s1", tags: [], value: 0.2 } },
    ]);
    const reader = make(c);
    const [before] = await reader.searchBatch([{ project: "p1", vector: unit([0, 0, 1, 0]), limit: 1, filter: { source: "s2" } }]);
    expect(before).toEqual([]);
    const [first] = await reader.searchBatch([{ project: "p1", vector: unit([0, 0, 1, 0]), limit: 2 }]);
    expect(first!.map((h) => h.score)).toEqual([expect.closeTo(0, 5), expect.closeTo(0, 5)]);
    // Another writer (another request, another isolate) moves s2 in place and changes its payload.
    await make(c).upsert([{ id: "s2", project: "p1", vector: unit([0, 0, 1, 0]), payload: { source: "s2", tags: [], value: 0.2 } }]);
    const [after, filtered] = await reader.searchBatch([
      { project: "p1", vector: unit([0, 0, 1, 0]), limit: 1 },
      { project: "p1", vector: unit([0, 0, 1, 0]), limit: 1, filter: { source: "s2" } },
    ]);
    expect(after!.map((h) => h.id)).toEqual(["s2"]);
    expect(after![0]!.score).toBeCloseTo(1, 5);
    expect(filtered!.map((h) => h.id)).toEqual(["s2"]);
    // And a point added since is found too.
    await make(c).upsert([{ id: "s3", project: "p1", vector: unit([0, 0, 0, 1]), payload: { source: "s1", tags: [], value: 0.3 } }]);
    const [added] = await reader.searchBatch([{ project: "p1", vector: unit([0, 0, 0, 1]), limit: 1 }]);
    expect(added!.map((h) => h.id)).toEqual(["s3"]);
  });
});

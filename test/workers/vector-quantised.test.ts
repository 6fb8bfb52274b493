import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  clearVectorCache,
  DEFAULT_CACHE_BYTES,
  DEFAULT_EXACT_COPY_BYTES,
  EmbeddedVectorStore,
  estimatedRowBytes,
  setExactCopyLimit,
  setVectorCacheLimit,
  vectorCacheStats,
} from "../../src/adapters/embedded-vector-store";
import type { VectorHit, VectorPoint, VectorQuery } from "../../src/adapters/vector-store";
import { prng } from "../support/prng";
import { wasmCodeDots4 } from "../../src/domain/int8-kernel";
import { codeDot, codeDots, codeDots4, dot, interleaveQueries, quantiseInto, quantiseQuery, vectorToBase64, wordsPerRow } from "../../src/domain/vector-math";

/**
 * The embedded store keeps int8 codes and re-ranks the candidates their error bound admits (docs/vector-store.md):
 * its answers must be those of a brute-force exact search, ids, scores and tie order (newer first) included.
 */

let n = 0;
const fresh = () => `quantised_${Date.now()}_${n++}`;

/** What the store should hold: points by id, each with the seq of its first upsert (an upsert in place keeps it). */
class Model {
  private readonly rows = new Map<string, { id: string; seq: number; vector: Float32Array; payload: Record<string, unknown> }>();
  private seq = 0;

  upsert(points: readonly VectorPoint[]): void {
    for (const p of points) {
      const row = this.rows.get(p.id);
      if (row) Object.assign(row, { vector: p.vector, payload: p.payload });
      else this.rows.set(p.id, { id: p.id, seq: this.seq++, vector: p.vector, payload: p.payload });
    }
  }

  /** Exact search over the newest `window` points: `dot` scores, best first, ties newest first. */
  search(window: number, q: VectorQuery): VectorHit[] {
    const newest = [...this.rows.values()].sort((a, b) => b.seq - a.seq).slice(0, window);
    const k = q.limit + (q.excludeIds?.length ?? 0);
    const hits = newest
      .filter((r) => passes(r.payload, q.filter))
      .map((r) => ({ id: r.id, score: dot(q.vector, r.vector) }))
      .sort((a, b) => b.score - a.score) // stable: equal scores stay newest first
      .slice(0, Math.max(0, k));
    return hits.filter((h) => !q.excludeIds?.includes(h.id)).slice(0, q.limit);
  }
}

function passes(payload: Record<string, unknown>, filter: VectorQuery["filter"]): boolean {
  if (!filter) return true;
  if (filter.source !== undefined && payload.source !== filter.source) return false;
  if (filter.tags?.length && !(Array.isArray(payload.tags) && filter.tags.some((t) => (payload.tags as unknown[]).includes(t)))) return false;
  if (filter.minValue !== undefined && !(typeof payload.value === "number" && payload.value >= filter.minValue)) return false;
  if (filter.minSupport !== undefined && (typeof payload.support === "number" ? payload.support : 1) < filter.minSupport) return false;
  return true;
}

/** Coordinates with many exact and near ties: a few round values, their neighbours one float32 step away, any float. */
const coordinate = fc.oneof(
  fc.constantFrom(0, 1, -1, 0.5, -0.5, 0.25),
  fc.constantFrom(0.5, -0.5, 1).map((x) => Math.fround(x * (1 + 2 ** -23))),
  fc.float({ min: -2, max: 2, noNaN: true }),
);

const payload = fc.record(
  {
    source: fc.constantFrom("s1", "s2"),
    tags: fc.subarray(["x", "y", "z"]),
    value: fc.constantFrom(0, 0.25, 0.5, 1),
    support: fc.integer({ min: 1, max: 4 }),
  },
  { requiredKeys: [] },
);

const filter = fc.option(
  fc.record(
    {
      source: fc.constantFrom("s1", "s2"),
      tags: fc.subarray(["x", "y", "z"], { minLength: 1 }),
      minValue: fc.constantFrom(0.25, 0.5),
      minSupport: fc.constantFrom(2, 3),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

/** A case: a dimension, a pool of vectors (some zero, some shorter or longer than the dimension), upsert batches and queries. */
const scenario = fc.integer({ min: 1, max: 9 }).chain((dim) => {
  const stored = fc.oneof(
    { weight: 6, arbitrary: fc.array(coordinate, { minLength: dim, maxLength: dim }) },
    { weight: 1, arbitrary: fc.constant(Array.from({ length: dim }, () => 0)) },
    { weight: 1, arbitrary: fc.array(coordinate, { minLength: Math.max(0, dim - 2), maxLength: dim + 2 }) },
  );
  const point = fc.record({ id: fc.integer({ min: 0, max: 24 }), vector: fc.integer({ min: 0, max: 9 }), payload });
  const batch = fc.uniqueArray(point, { minLength: 1, maxLength: 12, selector: (p) => p.id });
  const query = fc.record({
    vector: fc.oneof(
      { weight: 4, arbitrary: fc.array(coordinate, { minLength: dim, maxLength: dim }) },
      { weight: 1, arbitrary: fc.constant(Array.from({ length: dim }, () => 0)) },
      // A stored vector of the pool as the query: exact ties at the top.
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 9 }).map((i) => -1 - i) },
    ),
    limit: fc.integer({ min: 0, max: 6 }),
    exclude: fc.subarray([0, 1, 2, 3, 4, 5]),
    filter,
  });
  return fc.record({
    dim: fc.constant(dim),
    pool: fc.array(stored, { minLength: 10, maxLength: 10 }),
    before: fc.array(batch, { minLength: 1, maxLength: 3 }),
    after: fc.array(fc.record({ batch, foreign: fc.boolean() }), { maxLength: 3 }),
    window: fc.integer({ min: 1, max: 30 }),
    queries: fc.array(query, { minLength: 1, maxLength: 4 }),
    exactCopy: fc.boolean(),
  });
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function pointsOf(s: Scenario, batch: Scenario["before"][number]): VectorPoint[] {
  return batch.map((p) => ({ id: `p${p.id}`, project: "p", vector: Float32Array.from(s.pool[p.vector] as number[]), payload: p.payload }));
}

function queriesOf(s: Scenario): VectorQuery[] {
  return s.queries.map((q) => {
    const values = typeof q.vector === "number" ? (s.pool[-1 - q.vector] as number[]) : q.vector;
    const vector = new Float32Array(s.dim);
    vector.set(values.slice(0, s.dim));
    return {
      project: "p",
      vector,
      limit: q.limit,
      ...(q.exclude.length ? { excludeIds: q.exclude.map((i) => `p${i}`) } : {}),
      ...(q.filter ? { filter: q.filter } : {}),
    };
  });
}

describe("int8 codes with an exact re-rank", () => {
  afterEach(() => {
    setVectorCacheLimit(DEFAULT_CACHE_BYTES);
    setExactCopyLimit(DEFAULT_EXACT_COPY_BYTES);
    clearVectorCache();
  });

  it("bounds the error of every approximate score (the property the re-rank relies on)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((dim) =>
          fc.record({
            dim: fc.constant(dim),
            v: fc.array(fc.oneof(coordinate, fc.float({ noNaN: true, noDefaultInfinity: true })), { minLength: dim, maxLength: dim }),
            q: fc.array(fc.oneof(coordinate, fc.float({ min: Math.fround(-1e30), max: Math.fround(1e30), noNaN: true })), { minLength: dim, maxLength: dim }),
          }),
        ),
        ({ dim, v, q }) => {
          const row = Float32Array.from(v);
          const query = Float32Array.from(q);
          const words = new Int32Array(wordsPerRow(dim) + 2);
          const scale = quantiseInto(row, dim, words, 1);
          const quantised = quantiseQuery(query, dim);
          expect(quantised).toBeDefined();
          const { codes, step, slack } = quantised!;
          const approx = scale * step * codeDot(words, 1, codes, wordsPerRow(dim));
          const exact = dot(query, row);
          if (Number.isFinite(exact)) expect(Math.abs(exact - approx)).toBeLessThanOrEqual(scale * slack);
          if (scale === 0 || slack === 0) expect(exact).toBe(0);
          expect([words[0], words.at(-1)]).toEqual([0, 0]); // writes only its own words
        },
      ),
      { numRuns: 2000 },
    );
    expect(quantiseQuery(Float32Array.of(1, Number.POSITIVE_INFINITY), 2)).toBeUndefined();
    expect(quantiseInto(Float32Array.of(1, Number.NaN), 2, new Int32Array(1), 0)).toBeNaN();
  });

  it("scores four queries at once exactly as one at a time (codeDots4)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((dim) =>
          fc.record({
            dim: fc.constant(dim),
            rows: fc.array(fc.array(fc.oneof(coordinate, fc.float({ noNaN: true, noDefaultInfinity: true })), { minLength: dim, maxLength: dim }), {
              minLength: 1,
              maxLength: 12,
            }),
            queries: fc.array(fc.array(coordinate, { minLength: dim, maxLength: dim }), { minLength: 4, maxLength: 4 }),
            start: fc.nat(3),
          }),
        ),
        ({ dim, rows, queries, start }) => {
          const nWords = wordsPerRow(dim);
          const words = new Int32Array(rows.length * nWords);
          for (const [i, r] of rows.entries()) quantiseInto(Float32Array.from(r), dim, words, i * nWords);
          const codes = queries.map((q) => quantiseQuery(Float32Array.from(q), dim)!.codes) as [Int32Array, Int32Array, Int32Array, Int32Array];
          const from = Math.min(start, rows.length - 1);
          const outs = [0, 1, 2, 3].map(() => new Float64Array(rows.length));
          const interleaved = new Int32Array(codes[0].length * 4);
          interleaveQueries(...codes, interleaved);
          codeDots4(words, nWords, interleaved, from, rows.length, outs[0]!, outs[1]!, outs[2]!, outs[3]!);
          for (let k = 0; k < 4; k++) {
            const one = new Float64Array(rows.length);
            codeDots(words, nWords, codes[k]!, from, rows.length, one);
            expect(Array.from(outs[k]!)).toEqual(Array.from(one));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("scores four queries with WebAssembly SIMD exactly as JavaScript does, in blocks past its 1 MiB of rows too (wasmCodeDots4)", () => {
    fc.assert(
      fc.property(
        // Dimensions whose rows are whole 16-byte chunks (where the kernel applies), extremes included.
        fc
          .integer({ min: 1, max: 24 })
          .chain((chunks) =>
            fc.record({
              dim: fc.integer({ min: chunks * 16 - 3, max: chunks * 16 }),
              rows: fc.integer({ min: 1, max: 40 }),
              seed: fc.nat(),
              extreme: fc.boolean(),
              start: fc.nat(5),
            }),
          ),
        ({ dim, rows, seed, extreme, start }) => {
          const rand = prng(seed);
          const coordinateOf = () => (extreme ? (rand() < 0.5 ? -1 : 1) * (rand() < 0.3 ? 1e30 : 1) : rand() * 2 - 1);
          const nWords = wordsPerRow(dim);
          const words = new Int32Array(rows * nWords);
          for (let i = 0; i < rows; i++) quantiseInto(Float32Array.from({ length: dim }, coordinateOf), dim, words, i * nWords);
          const codes = [0, 1, 2, 3].map(() => quantiseQuery(Float32Array.from({ length: dim }, coordinateOf), dim)!.codes) as [
            Int32Array,
            Int32Array,
            Int32Array,
            Int32Array,
          ];
          const from = Math.min(start, rows - 1);
          const outs = [0, 1, 2, 3].map(() => new Float64Array(rows)) as [Float64Array, Float64Array, Float64Array, Float64Array];
          expect(wasmCodeDots4(words, nWords, codes, from, rows, outs)).toBe(nWords % 4 === 0);
          if (nWords % 4 !== 0) return;
          for (let k = 0; k < 4; k++) {
            const one = new Float64Array(rows);
            codeDots(words, nWords, codes[k]!, from, rows, one);
            expect(Array.from(outs[k]!.subarray(0, rows - from))).toEqual(Array.from(one.subarray(0, rows - from)));
          }
        },
      ),
      { numRuns: 300 },
    );
    // Rows past one block (1 MiB of codes: 4,096 rows of 256 codes), so the kernel's memory is reused block by block.
    const dim = 256;
    const nWords = wordsPerRow(dim);
    const rand = prng(11);
    const rows = 9_000;
    const words = new Int32Array(rows * nWords);
    for (let i = 0; i < rows; i++)
      quantiseInto(
        Float32Array.from({ length: dim }, () => rand() * 2 - 1),
        dim,
        words,
        i * nWords,
      );
    const q = quantiseQuery(
      Float32Array.from({ length: dim }, () => rand() * 2 - 1),
      dim,
    )!.codes;
    const outs = [0, 1, 2, 3].map(() => new Float64Array(rows)) as [Float64Array, Float64Array, Float64Array, Float64Array];
    expect(wasmCodeDots4(words, nWords, [q, q, q, q], 0, rows, outs)).toBe(true);
    const one = new Float64Array(rows);
    codeDots(words, nWords, q, 0, rows, one);
    expect(Array.from(outs[3])).toEqual(Array.from(one));
  });

  it("answers as a brute-force exact search: ties, near-ties, zero vectors, filters, excludes, other lengths, in-place upserts", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        clearVectorCache();
        setExactCopyLimit(s.exactCopy ? DEFAULT_EXACT_COPY_BYTES : 0);
        const c = fresh();
        const store = new EmbeddedVectorStore(env.DB, c, s.window);
        const model = new Model();
        for (const batch of s.before) {
          await store.upsert(pointsOf(s, batch));
          model.upsert(pointsOf(s, batch));
        }
        const queries = queriesOf(s);
        expect(await store.searchBatch(queries)).toEqual(queries.map((q) => model.search(s.window, q)));
        // Then this isolate (written through to its cache) and others (read back in the next delta) upsert, in place
        // and new points, in any order.
        for (const { batch, foreign } of s.after) {
          await new EmbeddedVectorStore(foreign ? anotherIsolate(env.DB) : env.DB, c, 1).upsert(pointsOf(s, batch));
          model.upsert(pointsOf(s, batch));
        }
        expect(await store.searchBatch(queries)).toEqual(queries.map((q) => model.search(s.window, q)));
        expect(vectorCacheStats().exactRows > 0).toBe(s.exactCopy);
      }),
      { numRuns: 120 },
    );
  });

  it("finds the exact neighbours of 256-dimension unit vectors, re-ranked from the Float32 copy and from D1", async () => {
    const dim = 256;
    const rand = prng(7);
    const unit = () => {
      const v = Float32Array.from({ length: dim }, () => rand() * 2 - 1);
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    const c = fresh();
    const model = new Model();
    const writer = new EmbeddedVectorStore(env.DB, c, 1);
    const vectors = Array.from({ length: 3000 }, unit);
    // Near duplicates of one vector (a cluster of near-ties) and exact duplicates of another.
    for (let i = 0; i < 40; i++) vectors[100 + i] = vectors[99]!.map((x, d) => (d === i ? Math.fround(x * (1 + 2 ** -20)) : x));
    for (let i = 0; i < 20; i++) vectors[2000 + i] = vectors[1999]!;
    for (let at = 0; at < vectors.length; at += 250) {
      const points = vectors.slice(at, at + 250).map((vector, i) => ({ id: `v${at + i}`, project: "p", vector, payload: { value: (at + i) % 2 } }));
      await writer.upsert(points);
      model.upsert(points);
    }
    const queries: VectorQuery[] = [
      ...Array.from({ length: 12 }, () => ({ project: "p", vector: unit(), limit: 5 })),
      { project: "p", vector: vectors[99]!, limit: 10 },
      { project: "p", vector: vectors[1999]!, limit: 8, excludeIds: ["v1999"] },
      { project: "p", vector: unit(), limit: 5, filter: { minValue: 1 } },
      { project: "p", vector: new Float32Array(dim), limit: 3 },
    ];
    for (const exactCopy of [true, false]) {
      clearVectorCache();
      setExactCopyLimit(exactCopy ? DEFAULT_EXACT_COPY_BYTES : 0);
      const store = new EmbeddedVectorStore(env.DB, c, 2500);
      const before = vectorCacheStats().fetched;
      expect(await store.searchBatch(queries)).toEqual(queries.map((q) => model.search(2500, q)));
      const stats = vectorCacheStats();
      expect(stats.exactRows).toBe(exactCopy ? 2500 : 0);
      // The bound leaves few candidates: far fewer rows read back than scanned (near-ties and duplicates included).
      if (!exactCopy) expect(stats.fetched - before).toBeLessThan(600);
    }
  });

  it("grows and compacts an entry as deltas append past its window (codes, columns and copy shift together)", async () => {
    for (const exactCopy of [true, false]) {
      clearVectorCache();
      setExactCopyLimit(exactCopy ? DEFAULT_EXACT_COPY_BYTES : 0);
      const c = fresh();
      const store = new EmbeddedVectorStore(env.DB, c, 100);
      const writer = new EmbeddedVectorStore(env.DB, c, 1);
      const model = new Model();
      const rand = prng(exactCopy ? 1 : 2);
      const point = (i: number) => ({
        id: `g${i}`,
        project: "p",
        vector: Float32Array.from({ length: 5 }, () => Math.round(rand() * 8 - 4) / 4),
        payload: { source: rand() < 0.3 ? "s2" : "s1", tags: rand() < 0.5 ? ["odd"] : [], value: i / 1000 },
      });
      const first = Array.from({ length: 10 }, (_, i) => point(i));
      await writer.upsert(first);
      model.upsert(first);
      const queries = [
        { project: "p", vector: Float32Array.of(1, 0.5, 0, -0.5, 0.25), limit: 2 },
        { project: "p", vector: Float32Array.of(0, 1, 1, 0, 0), limit: 3, filter: { source: "s2" } },
        { project: "p", vector: Float32Array.of(0, 0, 0, 1, 1), limit: 1, filter: { tags: ["odd"] } },
      ];
      expect(await store.searchBatch(queries)).toEqual(queries.map((q) => model.search(100, q)));
      const loads = vectorCacheStats().loads;
      // 30 rows a batch: the columns grow at 266 rows (10 loaded + 256 slack), the oldest go past 356 (100 + 256).
      for (let batch = 0; batch < 14; batch++) {
        const points = Array.from({ length: 30 }, (_, i) => point(10 + batch * 30 + i));
        points.push({ ...point(0), id: `g${10 + batch * 30 - 1}` }); // and the newest of the last batch moves in place
        await writer.upsert(points);
        model.upsert(points);
        expect(await store.searchBatch(queries)).toEqual(queries.map((q) => model.search(100, q)));
        const stats = vectorCacheStats();
        expect(stats.loads).toBe(loads); // deltas only, no reload
        expect(stats.rows).toBeLessThanOrEqual(100 + 2 * 256);
      }
      expect(vectorCacheStats().exactRows > 0).toBe(exactCopy);
    }
  });

  it("answers a query with thousands of tied candidates (more than it would read back) from the D1 scan", async () => {
    setExactCopyLimit(0);
    const c = fresh();
    const store = new EmbeddedVectorStore(env.DB, c, 5000);
    const model = new Model();
    const same = Float32Array.of(0.6, 0.8, 0, 0);
    for (let at = 0; at < 2500; at += 250) {
      const points = Array.from({ length: 250 }, (_, i) => ({ id: `t${at + i}`, project: "p", vector: same, payload: {} }));
      await store.upsert(points);
      model.upsert(points);
    }
    const queries = [
      { project: "p", vector: Float32Array.of(0.1, 0.7, 0.2, 0.3), limit: 4 },
      { project: "p", vector: new Float32Array(4), limit: 2 }, // zero query: every score is exactly 0, nothing to read back
    ];
    const fetched = vectorCacheStats().fetched;
    expect(await store.searchBatch(queries)).toEqual(queries.map((q) => model.search(5000, q)));
    expect(vectorCacheStats().fetched).toBe(fetched);
  });

  it("scores vectors with infinite coordinates exactly (always candidates) and a non-finite query from D1", async () => {
    const c = fresh();
    const store = new EmbeddedVectorStore(env.DB, c, 10);
    const points = [
      { id: "a", project: "p", vector: Float32Array.of(1, 0), payload: {} },
      { id: "inf", project: "p", vector: Float32Array.of(Number.POSITIVE_INFINITY, 1), payload: {} },
      { id: "b", project: "p", vector: Float32Array.of(0.5, 0.5), payload: {} },
      { id: "ninf", project: "p", vector: Float32Array.of(Number.NEGATIVE_INFINITY, 1), payload: {} },
    ];
    await store.upsert(points);
    const model = new Model();
    model.upsert(points);
    for (const exactCopy of [true, false]) {
      clearVectorCache();
      setExactCopyLimit(exactCopy ? DEFAULT_EXACT_COPY_BYTES : 0);
      const queries = [
        { project: "p", vector: Float32Array.of(1, 1), limit: 4 },
        { project: "p", vector: Float32Array.of(Number.POSITIVE_INFINITY, 0.5), limit: 1 },
      ];
      const [finite, infinite] = await store.searchBatch(queries);
      expect(finite).toEqual(model.search(10, queries[0]!));
      expect(finite!.map((h) => h.id)).toEqual(["inf", "b", "a", "ninf"]); // b ties a (1), b is newer
      expect(infinite).toEqual(model.search(10, queries[1]!));
      expect(infinite).toEqual([{ id: "b", score: Number.POSITIVE_INFINITY }]);
    }
  });

  it("writes its own upserts through to its cache (no delta read back) and still reads another isolate's", async () => {
    for (const exactCopy of [true, false]) {
      clearVectorCache();
      setExactCopyLimit(exactCopy ? DEFAULT_EXACT_COPY_BYTES : 0);
      const c = fresh();
      const store = new EmbeddedVectorStore(env.DB, c, 50);
      const model = new Model();
      const rand = prng(exactCopy ? 3 : 4);
      const point = (id: string) => ({ id, project: "p", vector: Float32Array.from({ length: 4 }, () => rand() * 2 - 1), payload: { value: rand() } });
      const q = { project: "p", vector: Float32Array.of(1, 0.5, -0.5, 0), limit: 3 };
      const expectModel = async () => expect(await store.searchBatch([q])).toEqual([model.search(50, q)]);
      const upsert = async (db: D1Database, points: VectorPoint[]) => {
        await new EmbeddedVectorStore(db, c, 50).upsert(points);
        model.upsert(points);
      };
      await upsert(env.DB, ["a", "b", "c"].map(point));
      await expectModel(); // loads the entry
      const before = vectorCacheStats();
      // Own upserts, new points and one in place: applied at once, the next searches read no delta rows.
      await upsert(env.DB, [point("d"), point("a")]);
      await expectModel();
      await upsert(env.DB, [point("e"), point("b")]);
      await expectModel();
      let stats = vectorCacheStats();
      expect(stats.writtenThrough - before.writtenThrough).toBe(4);
      expect(stats.deltaRows - before.deltaRows).toBe(0);
      // Another isolate's upsert, then this isolate's: the cache was not current, so the next search reads both.
      await upsert(anotherIsolate(env.DB), [point("f"), point("c")]);
      await upsert(env.DB, [point("g"), point("d")]);
      await expectModel();
      stats = vectorCacheStats();
      expect(stats.writtenThrough - before.writtenThrough).toBe(4);
      expect(stats.deltaRows - before.deltaRows).toBe(4);
      // Two writes of one id in one upsert make the row's second write skip the rev (a reset): the entry reloads.
      await upsert(env.DB, [point("h"), { ...point("h"), vector: Float32Array.of(1, 0.5, -0.5, 0) }]);
      await expectModel();
      expect(vectorCacheStats().loads).toBe(stats.loads + 1);
      expect(stats.loads).toBe(before.loads);
    }
  });

  it("reads candidates back consistently: a write between the search and its re-rank read makes it validate again", async () => {
    setExactCopyLimit(0);
    const c = fresh();
    const model = new Model();
    const initial = [
      { id: "near", project: "p", vector: Float32Array.of(1, 0, 0), payload: {} },
      { id: "mid", project: "p", vector: Float32Array.of(0.8, 0.6, 0), payload: {} },
      { id: "other", project: "p", vector: Float32Array.of(0.6, 0, 0.8), payload: {} },
      { id: "far", project: "p", vector: Float32Array.of(0, 0, 1), payload: {} },
    ];
    await new EmbeddedVectorStore(env.DB, c, 1).upsert(initial);
    model.upsert(initial);
    // Each write moves the only candidate away, so a re-rank of the stale candidates alone would answer wrongly.
    const writes: (() => Promise<void>)[] = [
      // Another isolate upserts the best point in place (its row comes back with a newer rev).
      async () => {
        const moved = [{ id: "near", project: "p", vector: Float32Array.of(0, 0, -1), payload: {} }];
        await new EmbeddedVectorStore(env.DB, c, 1).upsert(moved);
        model.upsert(moved);
      },
      // A raw update that skips upsert (`resets` bumps): the entry is reloaded.
      async () => {
        const raw = Float32Array.of(0, 0, -1);
        await env.DB.prepare("UPDATE vectors SET vector = ?2 WHERE collection = ?1 AND point_id = 'mid'").bind(c, vectorToBase64(raw)).run();
        model.upsert([{ id: "mid", project: "p", vector: raw, payload: {} }]);
      },
    ];
    const q = { project: "p", vector: Float32Array.of(1, 0.1, 0), limit: 1 };
    let pendingWrite: (() => Promise<void>) | undefined;
    const db = beforeRerankRead(env.DB, async () => {
      const write = pendingWrite;
      pendingWrite = undefined;
      await write?.();
    });
    const store = new EmbeddedVectorStore(db, c, 10);
    expect(await store.searchBatch([q])).toEqual([model.search(10, q)]);
    for (const [i, write] of writes.entries()) {
      pendingWrite = write;
      const [hits] = await store.searchBatch([q]);
      expect(pendingWrite).toBeUndefined(); // the write did run between the search and its read back
      expect(hits).toEqual(model.search(10, q));
      expect(hits!.map((h) => h.id)).toEqual([["mid", "other"][i]]);
    }
  });

  it("stays within its memory bound: Float32 copies go first, then the least recently searched entries", async () => {
    const dim = 64;
    const axis = (i: number) => Float32Array.from({ length: dim }, (_, d) => (d === i % dim ? 1 : 0));
    const collections = [fresh(), fresh(), fresh()];
    for (const c of collections) {
      await new EmbeddedVectorStore(env.DB, c, 1).upsert(Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, project: "p", vector: axis(i), payload: {} })));
    }
    const search = (c: string, window = 10) => new EmbeddedVectorStore(env.DB, c, window).searchBatch([{ project: "p", vector: axis(1), limit: 1 }]);
    await search(collections[0]!);
    const one = vectorCacheStats(); // an entry reserves its window plus slack (≥ 256 rows), with its Float32 copy
    expect(one).toMatchObject({ entries: 1, exactRows: 10 });
    clearVectorCache();
    // Room for two entries with their copies: the third drops copies (oldest first), then fits without evicting.
    setVectorCacheLimit(Math.floor(2.5 * one.bytes));
    for (const c of collections) expect((await search(c))[0]!.map((h) => h.id)).toEqual(["p1"]);
    let stats = vectorCacheStats();
    expect(stats).toMatchObject({ entries: 3, rows: 30 });
    expect(stats.exactRows).toBeLessThan(30);
    expect(stats.bytes).toBeLessThanOrEqual(stats.limit);
    // Room for one entry without its copy: the least recently searched entries go.
    setVectorCacheLimit(Math.floor(0.5 * one.bytes));
    stats = vectorCacheStats();
    expect(stats.entries).toBe(1);
    expect(stats.bytes).toBeLessThanOrEqual(stats.limit);
    expect((await search(collections[2]!))[0]!.map((h) => h.id)).toEqual(["p1"]); // the one kept, re-ranked from D1
    // A window that cannot fit alone still answers, from the D1 scan.
    const loads = vectorCacheStats().loads;
    expect((await search(collections[0]!, 10_000))[0]!.map((h) => h.id)).toEqual(["p1"]);
    expect(vectorCacheStats().loads).toBe(loads);
    expect(vectorCacheStats().bytes).toBeLessThanOrEqual(stats.limit);
  });

  it("keeps 100k and 10k windows of 256 dimensions together within the default bound", () => {
    // A load reserves its rows plus the slack; the 10k entry keeps its Float32 copy, the 100k one does not.
    const reserve = (window: number) => window + Math.max(256, window >> 3);
    expect(estimatedRowBytes(256, false)).toBe(388);
    expect(estimatedRowBytes(256, true)).toBe(388 + 1024);
    expect(reserve(10_000) * 256 * 4).toBeLessThanOrEqual(DEFAULT_EXACT_COPY_BYTES);
    expect(reserve(100_000) * 256 * 4).toBeGreaterThan(DEFAULT_EXACT_COPY_BYTES);
    const both = reserve(100_000) * estimatedRowBytes(256, false) + reserve(10_000) * estimatedRowBytes(256, true);
    expect(both).toBeLessThan(DEFAULT_CACHE_BYTES * 0.9);
  });
});

/** A D1 binding that runs `hook` before any batch that reads candidates back (the re-rank read). */
/** D1 as another isolate's store sees it: the same statements, but this isolate's cache learns nothing from its answers. */
function anotherIsolate(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, key) {
      if (key !== "batch") return Reflect.get(target, key, target);
      return async (statements: D1PreparedStatement[]) => (await target.batch(statements)).map((r) => ({ ...r, results: [] }));
    },
  });
}

function beforeRerankRead(db: D1Database, hook: () => Promise<void>): D1Database {
  const rerank = new WeakSet<D1PreparedStatement>();
  return new Proxy(db, {
    get(target, key) {
      if (key === "prepare") {
        return (sql: string) => {
          const statement = target.prepare(sql);
          if (!sql.includes("point_id IN (SELECT value FROM json_each")) return statement;
          return new Proxy(statement, {
            get(s, k) {
              if (k !== "bind") return Reflect.get(s, k, s);
              return (...values: unknown[]) => {
                const bound = s.bind(...values);
                rerank.add(bound);
                return bound;
              };
            },
          });
        };
      }
      if (key === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          if (statements.some((st) => rerank.has(st))) await hook();
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

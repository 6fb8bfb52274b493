/**
 * A benchmark worker, run in workerd by bench/knn/measure.ts: the embedded
 * vector store (src/adapters/embedded-vector-store.ts, exactly as scoring and
 * pattern search use it, over a real D1) next to the floor, a bare loop of
 * Float32Array dot products over the same vectors held in isolate memory.
 * workerd freezes the clock between I/O, so the caller times each request.
 */
import { EmbeddedVectorStore } from "../../src/adapters/embedded-vector-store";
import { prng } from "../lib/events";

interface Env {
  DB: D1Database;
}

const DIM = 256;
const COLLECTION = "knn-bench";
const PROJECT = "knn";
const K = 5;

/** Vector i: deterministic, L2-normalised. */
function vectorAt(i: number): Float32Array {
  const rand = prng(i + 1);
  const v = new Float32Array(DIM);
  let norm = 0;
  for (let d = 0; d < DIM; d++) {
    v[d] = rand() * 2 - 1;
    norm += v[d]! * v[d]!;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let d = 0; d < DIM; d++) v[d]! *= inv;
  return v;
}

const query = vectorAt(-7);
let matrix: Float32Array | undefined;

/** The floor: one pass of dot products over n contiguous vectors, keeping the best K. */
function floorSearch(n: number): number[] {
  if (!matrix || matrix.length < n * DIM) {
    matrix = new Float32Array(n * DIM);
    for (let i = 0; i < n; i++) matrix.set(vectorAt(i), i * DIM);
  }
  const best: { i: number; s: number }[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * DIM;
    for (let d = 0; d < DIM; d++) s += query[d]! * matrix[o + d]!;
    if (best.length < K || s > best[best.length - 1]!.s) {
      best.push({ i, s });
      best.sort((a, b) => b.s - a.s);
      if (best.length > K) best.pop();
    }
  }
  return best.map((b) => b.i);
}

async function seed(env: Env, from: number, count: number): Promise<void> {
  await env.DB.prepare(
    "CREATE TABLE IF NOT EXISTS vectors (seq INTEGER PRIMARY KEY AUTOINCREMENT, collection TEXT NOT NULL, point_id TEXT NOT NULL, project TEXT NOT NULL, vector TEXT NOT NULL, payload TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 0)",
  ).run();
  // The tables and indexes of src/db/schema.ts the store reads (migrations 0001 and 0015).
  await env.DB.batch([
    env.DB.prepare("CREATE UNIQUE INDEX IF NOT EXISTS vectors_point ON vectors (collection, point_id)"),
    env.DB.prepare("CREATE INDEX IF NOT EXISTS vectors_scan ON vectors (collection, project, seq)"),
    env.DB.prepare("CREATE INDEX IF NOT EXISTS vectors_rev ON vectors (collection, project, rev)"),
    env.DB.prepare(
      "CREATE TABLE IF NOT EXISTS vector_heads (collection TEXT NOT NULL, project TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 0, resets INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (collection, project))",
    ),
    env.DB.prepare("CREATE TABLE IF NOT EXISTS counters (name TEXT NOT NULL, labels TEXT NOT NULL DEFAULT '', value INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (name, labels))"),
  ]);
  const store = new EmbeddedVectorStore(env.DB, COLLECTION, 1);
  for (let start = from; start < from + count; start += 250) {
    const points = [];
    for (let i = start; i < Math.min(from + count, start + 250); i++) {
      points.push({ id: `p${i}`, project: PROJECT, vector: vectorAt(i), payload: { i } });
    }
    await store.upsert(points);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? 0);
    const reps = Number(url.searchParams.get("reps") ?? 1);
    switch (url.pathname) {
      case "/noop":
        return Response.json({ ok: true });
      case "/seed":
        await seed(env, Number(url.searchParams.get("from") ?? 0), Number(url.searchParams.get("count") ?? 0));
        return Response.json({ ok: true });
      case "/floor": {
        floorSearch(n); // builds the matrix outside the timed requests
        let ids: number[] = [];
        for (let r = 0; r < reps; r++) ids = floorSearch(n);
        return Response.json({ ids: ids.map((i) => `p${i}`) });
      }
      case "/store": {
        // seq counts down from the newest, so a window of n covers exactly the n points seeded.
        const store = new EmbeddedVectorStore(env.DB, COLLECTION, n);
        let ids: string[] = [];
        for (let r = 0; r < reps; r++) ids = (await store.searchBatch([{ project: PROJECT, vector: query, limit: K }]))[0]!.map((h) => h.id);
        return Response.json({ ids });
      }
      default:
        return new Response("not found", { status: 404 });
    }
  },
};

import { join } from "node:path";
import { Miniflare } from "miniflare";
import { bundleWorker, workerModules } from "../../cli/runner/bundle";
import { PROJECT_DIR } from "../lib/gleaner";

export interface KnnFigure {
  vectors: number;
  storeMs: number;
  floorMs: number;
  ratio: number;
  sameNeighbours: boolean;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Embedded kNN latency against the bare dot-product floor, both inside one
 * workerd isolate on the same vectors (the clock does not move inside a
 * workerd request, so Node times the requests). Each figure is the median
 * over `reps` requests of (request time − an empty request's round trip) /
 * searches per request; both are warmed up first.
 * The store is seeded through its own upsert into a D1 database in `dataDir`.
 */
export async function measureKnn(sizes: number[], reps: number, dataDir: string): Promise<KnnFigure[]> {
  const bundled = await bundleWorker(join(PROJECT_DIR, "bench/knn/worker.ts"));
  const mf = new Miniflare({
    modules: workerModules(join(PROJECT_DIR, "bench/knn/worker.js"), bundled),
    modulesRoot: PROJECT_DIR,
    compatibilityDate: "2026-04-20",
    d1Databases: { DB: "knn-bench" },
    d1Persist: join(dataDir, "d1"),
  });
  try {
    const call = async (path: string) => {
      const started = performance.now();
      const res = await mf.dispatchFetch(`http://knn${path}`);
      const body = (await res.json()) as { ids?: string[] };
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      return { ms: performance.now() - started, ids: body.ids ?? [] };
    };
    /** Median time of one search: each request runs `inner` searches, minus an empty request's round trip. */
    const timed = async (path: string, inner: number, noopMs: number) => {
      const runs = [];
      let ids: string[] = [];
      for (let r = 0; r < reps; r++) {
        const c = await call(`${path}&reps=${inner}`);
        runs.push(Math.max(0.001, (c.ms - noopMs) / inner));
        ids = c.ids;
      }
      return { ms: median(runs), ids };
    };
    const figures: KnnFigure[] = [];
    let seeded = 0;
    for (const n of [...sizes].sort((a, b) => a - b)) {
      while (seeded < n) {
        const count = Math.min(5000, n - seeded);
        await call(`/seed?from=${seeded}&count=${count}`);
        seeded += count;
      }
      const noops = [];
      for (let r = 0; r < 20; r++) noops.push((await call("/noop?")).ms);
      const noopMs = median(noops);
      // Enough searches per request that each request takes well over its round trip.
      const floorInner = Math.max(1, Math.round(4_000_000 / n));
      const storeInner = Math.max(1, Math.round(40_000 / n));
      // Warm-up: builds the in-memory copy and lets V8 optimise both loops before anything is timed.
      await call(`/floor?n=${n}&reps=${floorInner}`);
      await call(`/store?n=${n}&reps=${storeInner}`);
      const floor = await timed(`/floor?n=${n}`, floorInner, noopMs);
      const store = await timed(`/store?n=${n}`, storeInner, noopMs);
      const sameNeighbours = store.ids.join() === floor.ids.join();
      if (!sameNeighbours) console.error(`knn ${n}: store found ${store.ids.join()}, floor ${floor.ids.join()}`);
      figures.push({ vectors: n, storeMs: store.ms, floorMs: floor.ms, ratio: store.ms / floor.ms, sameNeighbours });
    }
    return figures;
  } finally {
    await mf.dispose();
  }
}

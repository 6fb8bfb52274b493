import { TopK, dot, vectorFromBase64, vectorToBase64 } from "../domain/vector-math";
import { incrementCounter } from "./counters";
import type { VectorHit, VectorPoint, VectorQuery, VectorStore } from "./vector-store";

/** Rows read per page while scanning a collection (bounded memory). */
const SCAN_PAGE = 1000;

/** One query of a batch and the best hits it has seen so far. */
interface Search {
  query: VectorQuery;
  top: TopK;
}

/**
 * Exact kNN over vectors stored in D1. A search batch scans the newest
 * `window` points of each project once, scoring every query of the batch per
 * point, and counts itself in `vector_queries_total`.
 */
export class EmbeddedVectorStore implements VectorStore {
  constructor(
    private readonly db: D1Database,
    readonly collection: string,
    private readonly window: number,
  ) {}

  async upsert(points: readonly VectorPoint[]): Promise<void> {
    if (points.length === 0) return;
    const rows = points.map((p) => [p.id, p.project, vectorToBase64(p.vector), JSON.stringify(p.payload)]);
    await this.db
      .prepare(
        `INSERT INTO vectors (collection, point_id, project, vector, payload)
         SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]' FROM json_each(?2) WHERE true
         ON CONFLICT (collection, point_id) DO UPDATE SET vector = excluded.vector, payload = excluded.payload`,
      )
      .bind(this.collection, JSON.stringify(rows))
      .run();
  }

  async searchBatch(queries: readonly VectorQuery[]): Promise<VectorHit[][]> {
    await incrementCounter(this.db, "vector_queries_total", 1, 'store="embedded"').run();
    const searches: Search[] = queries.map((query) => ({ query, top: new TopK(query.limit + (query.excludeIds?.length ?? 0)) }));
    const byProject = new Map<string, Search[]>();
    for (const s of searches) byProject.set(s.query.project, [...(byProject.get(s.query.project) ?? []), s]);
    for (const [project, group] of byProject) await this.scan(project, group);
    return searches.map(({ query, top }) => {
      const exclude = new Set(query.excludeIds ?? []);
      return top.items.filter((h) => !exclude.has(h.id)).slice(0, query.limit);
    });
  }

  /** Pages through the newest `window` rows of a project in D1, scoring every query per row. */
  private async scan(project: string, searches: readonly Search[]): Promise<void> {
    const filtering = searches.some((s) => s.query.filter);
    let before = Number.MAX_SAFE_INTEGER;
    let scanned = 0;
    while (scanned < this.window) {
      const { results: rows } = await this.db
        .prepare(
          `SELECT seq, point_id, vector, ${filtering ? "payload" : "NULL AS payload"} FROM vectors
           WHERE collection = ?1 AND project = ?2 AND seq < ?3 ORDER BY seq DESC LIMIT ?4`,
        )
        .bind(this.collection, project, before, Math.min(SCAN_PAGE, this.window - scanned))
        .all<{ seq: number; point_id: string; vector: string; payload: string | null }>();
      for (const row of rows) {
        const v = vectorFromBase64(row.vector);
        const payload = filtering ? (JSON.parse(row.payload ?? "{}") as Record<string, unknown>) : undefined;
        for (const { query, top } of searches) {
          if (payload && !matchesFilter(payload, query.filter)) continue;
          top.offer(row.point_id, dot(query.vector, v));
        }
      }
      scanned += rows.length;
      const last = rows.at(-1);
      if (rows.length < SCAN_PAGE || last === undefined) break;
      before = last.seq;
    }
  }
}

/** The payload filters both stores support: exact source, any of the tags, value at least, support at least. */
function matchesFilter(payload: Record<string, unknown>, filter: VectorQuery["filter"]): boolean {
  if (!filter) return true;
  if (filter.source !== undefined && payload.source !== filter.source) return false;
  if (filter.tags?.length && !(Array.isArray(payload.tags) && filter.tags.some((t) => (payload.tags as unknown[]).includes(t)))) return false;
  if (filter.minValue !== undefined && !(typeof payload.value === "number" && payload.value >= filter.minValue)) return false;
  if (filter.minSupport !== undefined && (typeof payload.support === "number" ? payload.support : 1) < filter.minSupport) return false;
  return true;
}

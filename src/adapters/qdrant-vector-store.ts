import { QdrantClient } from "@qdrant/js-client-rest";
import { toHex } from "../domain/sha256";
import { callWithBreaker, type BreakerOptions } from "./breaker";
import type { VectorHit, VectorPoint, VectorQuery, VectorStore } from "./vector-store";

/** Qdrant point ids must be UUIDs or integers: derive a UUID from our string id, so replays overwrite. */
export async function qdrantPointId(id: string): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id))).slice(0, 16);
  const bytes = new DataView(h.buffer);
  bytes.setUint8(6, (bytes.getUint8(6) & 0x0f) | 0x50);
  bytes.setUint8(8, (bytes.getUint8(8) & 0x3f) | 0x80);
  const hex = toHex(h);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const ensured = new Set<string>();

/**
 * Qdrant through @qdrant/js-client-rest, behind the `qdrant` breaker: one
 * batched upsert and one batched search per call. Our id and project travel
 * in the payload; searches filter by project.
 */
export class QdrantVectorStore implements VectorStore {
  private readonly client: QdrantClient;

  constructor(
    private readonly db: D1Database,
    url: string,
    apiKey: string | undefined,
    readonly collection: string,
    private readonly dimension: number,
    private readonly breaker: BreakerOptions,
  ) {
    this.client = new QdrantClient({ url, ...(apiKey ? { apiKey } : {}), checkCompatibility: false });
  }

  private async ensureCollection(): Promise<void> {
    if (ensured.has(this.collection)) return;
    const { exists } = await this.client.collectionExists(this.collection);
    if (!exists) await this.client.createCollection(this.collection, { vectors: { size: this.dimension, distance: "Cosine" } });
    ensured.add(this.collection);
  }

  async upsert(points: readonly VectorPoint[]): Promise<void> {
    if (points.length === 0) return;
    const body = await Promise.all(
      points.map(async (p) => ({ id: await qdrantPointId(p.id), vector: [...p.vector], payload: { ...p.payload, _id: p.id, project: p.project } })),
    );
    await callWithBreaker(this.db, "qdrant", this.breaker, async () => {
      await this.ensureCollection();
      await this.client.upsert(this.collection, { wait: true, points: body });
    });
  }

  async searchBatch(queries: readonly VectorQuery[]): Promise<VectorHit[][]> {
    if (queries.length === 0) return [];
    const searches = queries.map((q) => ({
      query: [...q.vector],
      limit: q.limit + (q.excludeIds?.length ?? 0),
      with_payload: true,
      filter: {
        must: [
          { key: "project", match: { value: q.project } },
          ...(q.filter?.source ? [{ key: "source", match: { value: q.filter.source } }] : []),
          ...(q.filter?.tags?.length ? [{ key: "tags", match: { any: q.filter.tags } }] : []),
          ...(q.filter?.minValue !== undefined ? [{ key: "value", range: { gte: q.filter.minValue } }] : []),
          // Points written before consolidation have no `support`: they count as 1, so only a bar above 1 filters.
          ...(q.filter?.minSupport !== undefined && q.filter.minSupport > 1 ? [{ key: "support", range: { gte: q.filter.minSupport } }] : []),
        ],
      },
    }));
    const results = await callWithBreaker(this.db, "qdrant", this.breaker, async () => {
      await this.ensureCollection();
      return this.client.queryBatch(this.collection, { searches });
    });
    // One result per search, in order; a search it had no answer for finds nothing.
    return queries.map((q, i) => {
      const exclude = new Set(q.excludeIds ?? []);
      return (results[i]?.points ?? [])
        .map((h) => ({ id: String((h.payload as { _id?: unknown } | null)?._id ?? h.id), score: h.score }))
        .filter((h) => !exclude.has(h.id))
        .slice(0, q.limit);
    });
  }
}

import { TopK, decodeBase64Into, dot, vectorFromBase64, vectorToBase64 } from "../domain/vector-math";
import { incrementCounter } from "./counters";
import type { VectorHit, VectorPoint, VectorQuery, VectorStore } from "./vector-store";

/** Rows read per page while loading or scanning a collection (bounded memory per read). */
const SCAN_PAGE = 1000;

/**
 * Upper bound of the decoded vectors one isolate keeps, all (collection, project) entries together (docs/vector-store.md).
 * The least recently searched entries are dropped past it; a window that cannot fit alone is scanned from D1 instead.
 */
export const DEFAULT_CACHE_BYTES = 128 * 1024 * 1024;
/** Rows an entry may hold beyond its window before the oldest are dropped (amortises the compaction). */
const slackRows = (window: number) => Math.max(256, window >> 3);
/** A (collection, project) too big for the cache is scanned from D1 and not loaded again for this long. */
const TOO_BIG_RETRY_MS = 60_000;
/** Rough bytes per cached row besides its vector: id, payload text, seq and map entry. */
const ROW_OVERHEAD_BYTES = 96;

/** One query of a batch and the best hits it has seen so far. */
interface Search {
  query: VectorQuery;
  top: TopK;
}

/**
 * The decoded newest rows of one (collection, project), oldest first: a suffix of the rows in `seq` order, at least
 * the newest `window` (all of them when `complete`), as of change `rev` / `resets` of `vector_heads`.
 */
interface Entry {
  readonly key: string;
  readonly dim: number;
  window: number;
  complete: boolean;
  rev: number;
  resets: number;
  count: number;
  data: Float32Array;
  ids: string[];
  seqs: number[];
  payloads: string[];
  parsed: (Record<string, unknown> | undefined)[];
  slotOf: Map<string, number>;
  payloadChars: number;
}

interface Row {
  seq: number;
  point_id: string;
  vector: string;
  payload: string;
}

interface Head {
  rev: number;
  resets: number;
}

/** The per-isolate cache: (collection, project) → entry, least recently searched first. */
const cache = new Map<string, Entry>();
let cacheLimit = DEFAULT_CACHE_BYTES;
const tooBig = new Map<string, number>();
/** Full loads of an entry since the isolate started (a search that validated its entry loads nothing). */
let loads = 0;

/** Sets the cache's bound in bytes (0 turns it off); drops entries past it. */
export function setVectorCacheLimit(bytes: number): void {
  cacheLimit = bytes;
  tooBig.clear();
  evict(undefined);
}

/** What the cache holds now: entries, rows and estimated bytes. */
export function vectorCacheStats(): { entries: number; rows: number; bytes: number; limit: number; loads: number } {
  let rows = 0;
  for (const e of cache.values()) rows += e.count;
  return { entries: cache.size, rows, bytes: cacheBytes(), limit: cacheLimit, loads };
}

/** Drops every cached entry (tests). */
export function clearVectorCache(): void {
  cache.clear();
  tooBig.clear();
}

const entryBytes = (e: Entry) => e.data.byteLength + e.count * ROW_OVERHEAD_BYTES + e.payloadChars * 2;

function cacheBytes(): number {
  let bytes = 0;
  for (const e of cache.values()) bytes += entryBytes(e);
  return bytes;
}

/** Drops the least recently searched entries (never `keep`) until the cache is within its bound. */
function evict(keep: Entry | undefined): void {
  let bytes = cacheBytes();
  for (const [key, e] of cache) {
    if (bytes <= cacheLimit) break;
    if (e === keep) continue;
    cache.delete(key);
    bytes -= entryBytes(e);
  }
  if (bytes > cacheLimit && keep) cache.delete(keep.key);
}

/**
 * Exact kNN over vectors stored in D1. A search batch scores every query of
 * the batch against the newest `window` points of each project, and counts
 * itself in `vector_queries_total`.
 *
 * The decoded vectors are kept per isolate (module level, keyed by collection
 * and project, one contiguous Float32Array each) and validated on every search
 * by one read of `vector_heads` batched with the rows changed since (`rev`
 * greater than the cached one): upserts stamp their rows with the bumped rev,
 * so in-place upserts by other isolates are seen; deletes and writes that did
 * not come through `upsert` bump `resets` (triggers of migration 0015) and the
 * window is reloaded. See docs/vector-store.md.
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
    const projects = [...new Set(points.map((p) => p.project))];
    await this.db.batch([
      this.db
        .prepare(
          `INSERT INTO vector_heads (collection, project, rev, resets) SELECT ?1, value, 1, 0 FROM json_each(?2) WHERE true
           ON CONFLICT (collection, project) DO UPDATE SET rev = rev + 1`,
        )
        .bind(this.collection, JSON.stringify(projects)),
      this.db
        .prepare(
          `INSERT INTO vectors (collection, point_id, project, vector, payload, rev)
           SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]',
                  (SELECT h.rev FROM vector_heads h WHERE h.collection = ?1 AND h.project = value ->> '$[1]')
           FROM json_each(?2) WHERE true
           ON CONFLICT (collection, point_id) DO UPDATE SET vector = excluded.vector, payload = excluded.payload, rev = excluded.rev`,
        )
        .bind(this.collection, JSON.stringify(rows)),
    ]);
  }

  async searchBatch(queries: readonly VectorQuery[]): Promise<VectorHit[][]> {
    const searches: Search[] = queries.map((query) => ({ query, top: new TopK(query.limit + (query.excludeIds?.length ?? 0)) }));
    const byProject = new Map<string, Search[]>();
    for (const s of searches) {
      const group = byProject.get(s.query.project);
      if (group) group.push(s);
      else byProject.set(s.query.project, [s]);
    }
    // The cached entries to validate: one D1 round trip for the counter, every head and every delta.
    const groups = [...byProject].map(([project, group]) => ({ project, group, entry: this.cached(project, group) }));
    const statements: D1PreparedStatement[] = [incrementCounter(this.db, "vector_queries_total", 1, 'store="embedded"')];
    for (const g of groups) {
      if (!g.entry) continue;
      statements.push(this.headStatement(g.project), this.deltaStatement(g.project, g.entry.rev));
    }
    const answers = await this.db.batch(statements);
    let at = 1;
    for (const g of groups) {
      let entry = g.entry;
      if (entry) {
        const head = headOf(answers[at]?.results[0] as Head | undefined);
        const delta = ((answers[at + 1]?.results ?? []) as Row[]).sort((a, b) => a.seq - b.seq);
        at += 2;
        if (head.resets !== entry.resets || !applyDelta(entry, head, delta)) entry = undefined;
      }
      if (!entry) entry = await this.load(g.project, g.group);
      if (entry) searchEntry(entry, this.window, g.group);
      else await this.scan(g.project, g.group);
    }
    return searches.map(({ query, top }) => {
      const exclude = new Set(query.excludeIds ?? []);
      return top.items.filter((h) => !exclude.has(h.id)).slice(0, query.limit);
    });
  }

  /** The cached entry of a project if it can answer these searches (same dimension, window covered), marked recently used. */
  private cached(project: string, group: readonly Search[]): Entry | undefined {
    const key = cacheKey(this.collection, project);
    const entry = cache.get(key);
    if (!entry) return undefined;
    if (group.some((s) => s.query.vector.length !== entry.dim) || (!entry.complete && entry.window < this.window)) return undefined;
    cache.delete(key);
    cache.set(key, entry);
    return entry;
  }

  private headStatement(project: string): D1PreparedStatement {
    return this.db.prepare("SELECT rev, resets FROM vector_heads WHERE collection = ?1 AND project = ?2").bind(this.collection, project);
  }

  private deltaStatement(project: string, rev: number): D1PreparedStatement {
    return (
      this.db
        // No ORDER BY: it would make SQLite walk vectors_scan over the whole project instead of vectors_rev's few rows.
        .prepare("SELECT seq, point_id, vector, payload FROM vectors WHERE collection = ?1 AND project = ?2 AND rev > ?3")
        .bind(this.collection, project, rev)
    );
  }

  /**
   * Loads the newest `window` rows of a project into a new entry, decoding page by page from the newest slot down
   * (the head, the count and the first page read in one transaction; later changes are caught by the next search's
   * delta). Undefined when the rows cannot fit the cache (then they are scanned from D1, and not retried for a while).
   */
  private async load(project: string, group: readonly Search[]): Promise<Entry | undefined> {
    const key = cacheKey(this.collection, project);
    const dim = group[0]?.query.vector.length ?? 0;
    if (dim === 0 || group.some((s) => s.query.vector.length !== dim) || (tooBig.get(key) ?? 0) > Date.now()) return undefined;
    const page = (before: number) =>
      this.db
        .prepare("SELECT seq, point_id, vector, payload FROM vectors WHERE collection = ?1 AND project = ?2 AND seq < ?3 ORDER BY seq DESC LIMIT ?4")
        .bind(this.collection, project, before, SCAN_PAGE);
    const [headAnswer, countAnswer, first] = await this.db.batch([
      this.headStatement(project),
      this.db.prepare("SELECT count(*) AS n FROM vectors WHERE collection = ?1 AND project = ?2").bind(this.collection, project),
      page(Number.MAX_SAFE_INTEGER),
    ]);
    const rowCount = Math.min(this.window, (countAnswer?.results[0] as { n: number } | undefined)?.n ?? 0);
    const capacity = rowCount + slackRows(this.window);
    if (capacity * (dim * 4 + ROW_OVERHEAD_BYTES) > cacheLimit) {
      tooBig.set(key, Date.now() + TOO_BIG_RETRY_MS);
      return undefined;
    }
    loads++;
    const entry = newEntry(key, dim, this.window, capacity, headOf(headAnswer?.results[0] as Head | undefined));
    // Newest first into slots rowCount - 1 down to 0; fewer rows than counted (a concurrent delete) shift down after.
    let slot = rowCount;
    let rows = (first?.results ?? []) as Row[];
    while (slot > 0) {
      for (const row of rows) {
        if (slot === 0) break;
        slot--;
        entry.ids[slot] = row.point_id;
        entry.seqs[slot] = row.seq;
        writeSlot(entry, slot, row);
      }
      const last = rows.at(-1);
      if (rows.length < SCAN_PAGE || last === undefined || slot === 0) break;
      rows = (await page(last.seq).all<Row>()).results;
    }
    if (slot > 0) {
      entry.data.copyWithin(0, slot * dim, rowCount * dim);
      for (const list of [entry.ids, entry.seqs, entry.payloads, entry.parsed] as unknown[][]) list.splice(0, slot);
    }
    entry.count = rowCount - slot;
    for (let i = 0; i < entry.count; i++) entry.slotOf.set(entry.ids[i] as string, i);
    entry.complete = entry.count < this.window;
    cache.delete(key);
    cache.set(key, entry);
    evict(entry);
    return cache.get(key) === entry ? entry : undefined;
  }

  /** Pages through the newest `window` rows of a project in D1, scoring every query per row (the uncached path). */
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

const cacheKey = (collection: string, project: string) => `${collection}\u0000${project}`;

const headOf = (row: Head | undefined): Head => ({ rev: row?.rev ?? 0, resets: row?.resets ?? 0 });

function newEntry(key: string, dim: number, window: number, capacity: number, head: Head): Entry {
  return {
    key,
    dim,
    window,
    complete: false,
    rev: head.rev,
    resets: head.resets,
    count: 0,
    data: new Float32Array(Math.max(16, capacity) * dim),
    ids: [],
    seqs: [],
    payloads: [],
    parsed: [],
    slotOf: new Map(),
    payloadChars: 0,
  };
}

/** Decodes a row into a slot: coordinates past the stored vector count as zero, past the dimension are ignored (as `dot`). */
function writeSlot(e: Entry, slot: number, row: Row): void {
  const offset = slot * e.dim;
  e.data.fill(0, offset, offset + e.dim);
  decodeBase64Into(row.vector, new Uint8Array(e.data.buffer, e.data.byteOffset + offset * 4, e.dim * 4));
  e.payloadChars += row.payload.length - (e.payloads[slot]?.length ?? 0);
  e.payloads[slot] = row.payload;
  e.parsed[slot] = undefined;
}

/** Appends the row newer than every cached one. */
function append(e: Entry, row: Row): void {
  if ((e.count + 1) * e.dim > e.data.length) {
    const grown = new Float32Array((e.count + slackRows(e.window)) * e.dim);
    grown.set(e.data.subarray(0, e.count * e.dim));
    e.data = grown;
  }
  const slot = e.count++;
  e.ids[slot] = row.point_id;
  e.seqs[slot] = row.seq;
  e.slotOf.set(row.point_id, slot);
  writeSlot(e, slot, row);
}

/**
 * Applies the rows changed since the entry's rev (ascending seq): in place when cached, appended when newer than every
 * cached row, ignored when older than the cached suffix (outside every window it serves). False: the delta does not fit
 * a suffix (reload).
 */
function applyDelta(e: Entry, head: Head, delta: readonly Row[]): boolean {
  if (head.rev <= e.rev) return true; // nothing new, or a concurrent search applied it already
  const first = e.count ? (e.seqs[0] as number) : Number.POSITIVE_INFINITY;
  for (const row of delta) {
    const slot = e.slotOf.get(row.point_id);
    if (slot !== undefined) {
      if (e.seqs[slot] !== row.seq) return false;
      writeSlot(e, slot, row);
    } else if (e.count === 0 || row.seq > (e.seqs[e.count - 1] as number)) append(e, row);
    else if (row.seq > first || e.complete) return false;
  }
  e.rev = head.rev;
  if (e.count > e.window + slackRows(e.window)) compact(e);
  evict(e);
  return cache.get(e.key) === e;
}

/** Drops the oldest rows down to the window. */
function compact(e: Entry): void {
  const drop = e.count - e.window;
  e.data.copyWithin(0, drop * e.dim, e.count * e.dim);
  for (let i = 0; i < drop; i++) {
    e.slotOf.delete(e.ids[i] as string);
    e.payloadChars -= e.payloads[i]?.length ?? 0;
  }
  e.ids.splice(0, drop);
  e.seqs.splice(0, drop);
  e.payloads.splice(0, drop);
  e.parsed.splice(0, drop);
  e.count -= drop;
  for (let i = 0; i < e.count; i++) e.slotOf.set(e.ids[i] as string, i);
  e.complete = false;
}

/** Scores every query against the newest `window` cached rows, newest first (the order of the D1 scan). */
function searchEntry(e: Entry, window: number, searches: readonly Search[]): void {
  const { data, dim } = e;
  const end = e.count;
  const start = Math.max(0, end - window);
  for (const { query, top } of searches) {
    const q = query.vector;
    const filter = query.filter;
    const k = query.limit + (query.excludeIds?.length ?? 0);
    if (k <= 0) continue;
    // The best k slots, best first; ties keep the newer (scanned first), as TopK.offer does.
    const bestScore = new Float64Array(k);
    const bestSlot = new Int32Array(k);
    let n = 0;
    for (let slot = end - 1; slot >= start; slot--) {
      const o = slot * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += (q[d] as number) * (data[o + d] as number);
      if (n === k && s <= (bestScore[k - 1] as number)) continue;
      if (filter && !matchesFilter(payloadOf(e, slot), filter)) continue;
      let at = n < k ? n++ : k - 1;
      while (at > 0 && (bestScore[at - 1] as number) < s) {
        bestScore[at] = bestScore[at - 1] as number;
        bestSlot[at] = bestSlot[at - 1] as number;
        at--;
      }
      bestScore[at] = s;
      bestSlot[at] = slot;
    }
    for (let i = 0; i < n; i++) top.offer(e.ids[bestSlot[i] as number] as string, bestScore[i] as number);
  }
}

function payloadOf(e: Entry, slot: number): Record<string, unknown> {
  let p = e.parsed[slot];
  if (!p) {
    p = JSON.parse(e.payloads[slot] ?? "{}") as Record<string, unknown>;
    e.parsed[slot] = p;
  }
  return p;
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

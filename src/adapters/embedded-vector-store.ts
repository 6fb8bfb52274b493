import { wasmCodeDots4 } from "../domain/int8-kernel";
import {
  type QuantisedQuery,
  TopK,
  codeDots,
  codeDots4,
  interleaveQueries,
  decodeBase64Into,
  dot,
  dotAt,
  quantiseInto,
  quantiseQuery,
  vectorFromBase64,
  vectorToBase64,
  wordsPerRow,
} from "../domain/vector-math";
import { incrementCounter } from "./counters";
import type { VectorHit, VectorPoint, VectorQuery, VectorStore } from "./vector-store";

/** Rows read per page while loading or scanning a collection (bounded memory per read). */
const SCAN_PAGE = 1000;

/**
 * Upper bound of the cached rows one isolate keeps, all (collection, project) entries together (docs/vector-store.md).
 * The least recently searched entries are dropped past it; a window that cannot fit alone is scanned from D1 instead.
 */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
/**
 * An entry also keeps its rows' Float32 vectors (the exact re-rank then needs no D1 read) while that copy fits in
 * this many bytes; larger entries re-rank their candidates from D1 in one statement.
 */
export const DEFAULT_EXACT_COPY_BYTES = 16 * 1024 * 1024;
/** Rows an entry may hold beyond its window before the oldest are dropped (amortises the compaction). */
const slackRows = (window: number) => Math.max(256, window >> 3);
/** A (collection, project) too big for the cache is scanned from D1 and not loaded again for this long. */
const TOO_BIG_RETRY_MS = 60_000;
/** Typed columns per cached row: scale and seq (Float64), source code (Int32), value and support (Float64). */
const COLUMN_BYTES = 8 + 8 + 4 + 8 + 8;
/** Rough bytes per cached row besides its codes, columns and id text: the id string, its map entry, array slots. */
const ROW_OVERHEAD_BYTES = 64;
/** Candidates of one query re-ranked from D1 at most; a query with more (near-ties by the thousand) is scanned. */
const MAX_FETCHED_CANDIDATES = 2000;
/** Ids per re-rank statement (all of a search batch's statements go in one D1 batch). */
const FETCH_CHUNK = 500;
/** Re-rank reads that found a candidate changed since the search validated its entry, before scanning D1 instead. */
const MAX_REVALIDATIONS = 2;

/** One query of a batch and the best hits it has seen so far. */
interface Search {
  query: VectorQuery;
  top: TopK;
}

/**
 * The newest rows of one (collection, project), oldest first: a suffix of the rows in `seq` order, at least the
 * newest `window` (all of them when `complete`), as of change `rev` / `resets` of `vector_heads`. Per row: int8 codes
 * (`stride` words) with their scale, the seq, what the payload filters read, and (small entries) the Float32 vector.
 */
interface Entry {
  readonly key: string;
  readonly dim: number;
  readonly stride: number;
  window: number;
  complete: boolean;
  rev: number;
  resets: number;
  count: number;
  capacity: number;
  words: Int32Array;
  scales: Float64Array;
  seqs: Float64Array;
  /** The Float32 rows (`dim` each), while the entry is small enough (`exactCopyLimit`). */
  exact: Float32Array | undefined;
  /** Index into `sourceValues` of the payload's `source` (a JSON primitive), −1 when absent or not a primitive. */
  sources: Int32Array;
  sourceValues: unknown[];
  sourceIndex: Map<unknown, number>;
  /** The payload's `value` when a number, else NaN; its `support` when a number, else 1. */
  values: Float64Array;
  supports: Float64Array;
  /** The payload's `tags` when an array (sparse: most rows have none). */
  tags: (unknown[] | undefined)[];
  ids: string[];
  slotOf: Map<string, number>;
  idChars: number;
}

interface Row {
  seq: number;
  point_id: string;
  /** Base64 of the Float32 coordinates as stored, or the coordinates themselves (an upsert of this isolate). */
  vector: string | Float32Array;
  payload: string;
}

interface Head {
  rev: number;
  resets: number;
}

/** A row that may be among a query's best (its score's upper bound reaches the k-th best lower bound). */
interface Candidate {
  slot: number;
  id: string;
  seq: number;
  /** Its exact score when the codes alone give it (a zero vector, a zero query), else undefined. */
  known: number | undefined;
}

/** A query whose candidates wait for their vectors from D1. */
interface Pending {
  search: Search;
  candidates: Candidate[];
}

/** The per-isolate cache: (collection, project) → entry, least recently searched first. */
const cache = new Map<string, Entry>();
let cacheLimit = DEFAULT_CACHE_BYTES;
let exactCopyLimit = DEFAULT_EXACT_COPY_BYTES;
const tooBig = new Map<string, number>();
/** Full loads of an entry since the isolate started (a search that validated its entry loads nothing). */
let loads = 0;
/** Candidate rows re-ranked from D1 since the isolate started. */
let fetched = 0;
/** Rows applied from deltas read from D1, and from this isolate's own upserts (written through), since it started. */
let deltaRows = 0;
let writtenThrough = 0;
/** One row's decoded Float32 coordinates, and a window's code sums (reused). */
let scratch = new Float32Array(0);
/** Code sums of a window for up to four queries at once (see searchEntry), reused. */
const sums: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0), new Float64Array(0)];
/** Four queries' codes interleaved for `codeDots4`, reused. */
let interleaved = new Int32Array(0);

/** Sets the cache's bound in bytes (0 turns it off); drops entries past it. */
export function setVectorCacheLimit(bytes: number): void {
  cacheLimit = bytes;
  tooBig.clear();
  evict(undefined);
}

/** Sets the size up to which an entry keeps Float32 copies of its rows (0: always re-rank from D1); applies to new entries. */
export function setExactCopyLimit(bytes: number): void {
  exactCopyLimit = bytes;
}

/**
 * What the cache holds now: entries, rows, estimated bytes, rows with a Float32 copy; and since the isolate started:
 * full loads, rows re-ranked from D1, rows applied from D1 deltas and from this isolate's upserts.
 */
export function vectorCacheStats(): {
  entries: number;
  rows: number;
  bytes: number;
  limit: number;
  loads: number;
  exactRows: number;
  fetched: number;
  deltaRows: number;
  writtenThrough: number;
} {
  let rows = 0;
  let exactRows = 0;
  for (const e of cache.values()) {
    rows += e.count;
    if (e.exact) exactRows += e.count;
  }
  return { entries: cache.size, rows, bytes: cacheBytes(), limit: cacheLimit, loads, exactRows, fetched, deltaRows, writtenThrough };
}

/** Drops every cached entry (tests). */
export function clearVectorCache(): void {
  cache.clear();
  tooBig.clear();
}

/** Estimated bytes a cached row costs at this dimension, with or without its Float32 copy (ids of ~32 characters). */
export const estimatedRowBytes = (dim: number, exactCopy: boolean): number =>
  wordsPerRow(dim) * 4 + COLUMN_BYTES + ROW_OVERHEAD_BYTES + 32 + (exactCopy ? dim * 4 : 0);
const keepsExact = (dim: number, capacity: number) => capacity * dim * 4 <= exactCopyLimit;

const entryBytes = (e: Entry) => e.capacity * (e.stride * 4 + COLUMN_BYTES) + (e.exact?.byteLength ?? 0) + e.count * ROW_OVERHEAD_BYTES + e.idChars;

function cacheBytes(): number {
  let bytes = 0;
  for (const e of cache.values()) bytes += entryBytes(e);
  return bytes;
}

/**
 * Brings the cache within its bound: first drops Float32 copies (least recently searched first, `keep`'s last; those
 * entries then re-rank from D1), then the least recently searched entries, `keep` only if it cannot fit alone.
 */
function evict(keep: Entry | undefined): void {
  let bytes = cacheBytes();
  if (bytes <= cacheLimit) return;
  const kept = keep && cache.get(keep.key) === keep ? keep : undefined;
  for (const e of [...[...cache.values()].filter((e) => e !== kept), ...(kept ? [kept] : [])]) {
    if (bytes <= cacheLimit) return;
    if (!e.exact) continue;
    bytes -= e.exact.byteLength;
    e.exact = undefined;
  }
  for (const [key, e] of cache) {
    if (bytes <= cacheLimit) break;
    if (e === keep) continue;
    cache.delete(key);
    bytes -= entryBytes(e);
  }
  if (bytes > cacheLimit && kept) cache.delete(kept.key);
}

/**
 * Exact kNN over vectors stored in D1. A search batch scores every query of
 * the batch against the newest `window` points of each project, and counts
 * itself in `vector_queries_total`.
 *
 * The rows are kept per isolate (module level, keyed by collection and
 * project) as int8 codes with a scale per row, and validated on every search
 * by one read of `vector_heads` batched with the rows changed since (`rev`
 * greater than the cached one): upserts stamp their rows with the bumped rev,
 * so in-place upserts by other isolates are seen; deletes and writes that did
 * not come through `upsert` bump `resets` (triggers of migration 0015) and the
 * window is reloaded. A search scores the codes, keeps every row whose score's
 * upper bound reaches the k-th best lower bound, and re-ranks those with their
 * Float32 vectors (kept by small entries, else read from D1 in one statement):
 * the answer is the exact one. See docs/vector-store.md.
 */
export class EmbeddedVectorStore implements VectorStore {
  constructor(
    private readonly db: D1Database,
    readonly collection: string,
    private readonly window: number,
  ) {}

  /**
   * Writes the points, stamped with each project's bumped rev. When this isolate's cached entry of a project was at
   * the rev just before (no other upsert came between), the points are applied to it here, so the next search's delta
   * does not read back what this isolate just wrote; any other change (a later upsert, a reset) is still seen by
   * that search's head and delta.
   */
  async upsert(points: readonly VectorPoint[]): Promise<void> {
    if (points.length === 0) return;
    const payloads = points.map((p) => JSON.stringify(p.payload));
    const rows = points.map((p, i) => [p.id, p.project, vectorToBase64(p.vector), payloads[i]]);
    const projects = [...new Set(points.map((p) => p.project))];
    const [heads, written] = await this.db.batch([
      this.db
        .prepare(
          `INSERT INTO vector_heads (collection, project, rev, resets) SELECT ?1, value, 1, 0 FROM json_each(?2) WHERE true
           ON CONFLICT (collection, project) DO UPDATE SET rev = rev + 1
           RETURNING project, rev, resets`,
        )
        .bind(this.collection, JSON.stringify(projects)),
      this.db
        .prepare(
          `INSERT INTO vectors (collection, point_id, project, vector, payload, rev)
           SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]',
                  (SELECT h.rev FROM vector_heads h WHERE h.collection = ?1 AND h.project = value ->> '$[1]')
           FROM json_each(?2) WHERE true
           ON CONFLICT (collection, point_id) DO UPDATE SET vector = excluded.vector, payload = excluded.payload, rev = excluded.rev
           RETURNING point_id, seq, project`,
        )
        .bind(this.collection, JSON.stringify(rows)),
    ]);
    this.writeThrough(
      points,
      payloads,
      heads?.results as (Head & { project: string })[] | undefined,
      written?.results as { point_id: string; seq: number; project: string }[] | undefined,
    );
  }

  /** Applies an upsert's points to the cached entries that were current just before it (see `upsert`). */
  private writeThrough(
    points: readonly VectorPoint[],
    payloads: readonly string[],
    heads: readonly (Head & { project: string })[] | undefined,
    written: readonly { point_id: string; seq: number; project: string }[] | undefined,
  ): void {
    if (!heads || !written) return;
    const rowOf = new Map(written.map((w) => [w.point_id, w]));
    for (const head of heads) {
      const entry = cache.get(cacheKey(this.collection, head.project));
      if (!entry || entry.rev !== head.rev - 1 || entry.resets !== head.resets) continue;
      const delta: Row[] = [];
      // The last write of an id wins, as in the table; points of another dimension would not fit: leave it to the delta.
      const last = new Map<string, number>();
      points.forEach((p, i) => {
        if (p.project === head.project) last.set(p.id, i);
      });
      let fits = true;
      for (const [id, i] of last) {
        const row = rowOf.get(id);
        const point = points[i] as VectorPoint;
        // A row kept by another project (an id reused across projects stays where it was) is the delta's to judge.
        if (row === undefined || row.project !== head.project || point.vector.length !== entry.dim) fits = false;
        else delta.push({ seq: row.seq, point_id: id, vector: point.vector, payload: payloads[i] as string });
      }
      if (!fits) continue;
      writtenThrough += delta.length;
      applyOrDrop(
        entry,
        { rev: head.rev, resets: head.resets },
        delta.sort((a, b) => a.seq - b.seq),
      );
    }
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
        entry = validate(entry, answers[at], answers[at + 1]);
        at += 2;
      }
      await this.searchGroup(g.project, g.group, entry, 0);
    }
    return searches.map(({ query, top }) => {
      const exclude = new Set(query.excludeIds ?? []);
      return top.items.filter((h) => !exclude.has(h.id)).slice(0, query.limit);
    });
  }

  /**
   * Answers a project's searches from its validated entry (loaded when there is none), re-ranking the candidates
   * that need it from D1; from the D1 scan when the rows do not fit the cache.
   */
  private async searchGroup(project: string, group: readonly Search[], validated: Entry | undefined, revalidations: number): Promise<void> {
    const entry = validated ?? (await this.load(project, group));
    if (!entry) return this.scan(project, group);
    const exactly: Search[] = [];
    const pending = searchEntry(entry, this.window, group, exactly);
    if (exactly.length) await this.scan(project, exactly);
    if (pending.length === 0) return;
    // One batch: the head (a write that skipped `upsert` shows in `resets`) and the candidates' rows. The entry may
    // change while it runs (another search of this isolate): compare with what it was now.
    const { rev, resets } = entry;
    const seqOf = new Map<string, number>();
    for (const p of pending) for (const c of p.candidates) if (c.known === undefined) seqOf.set(c.id, c.seq);
    const ids = [...seqOf.keys()];
    const statements = [this.headStatement(project)];
    for (let i = 0; i < ids.length; i += FETCH_CHUNK) {
      statements.push(
        this.db
          .prepare("SELECT point_id, seq, rev, vector FROM vectors WHERE collection = ?1 AND point_id IN (SELECT value FROM json_each(?2))")
          .bind(this.collection, JSON.stringify(ids.slice(i, i + FETCH_CHUNK))),
      );
    }
    const [headAnswer, ...rowAnswers] = await this.db.batch(statements);
    fetched += ids.length;
    const head = headOf(headAnswer?.results[0] as Head | undefined);
    const rows = new Map<string, { seq: number; rev: number; vector: string }>();
    for (const answer of rowAnswers)
      for (const r of answer.results as { point_id: string; seq: number; rev: number; vector: string }[]) rows.set(r.point_id, r);
    // The codes were made from these vectors unless a row changed since (a newer rev, another seq) or a write skipped upsert.
    const unchanged =
      head.resets === resets &&
      ids.every((id) => {
        const r = rows.get(id);
        return r !== undefined && r.rev <= rev && r.seq === seqOf.get(id);
      });
    if (!unchanged) {
      const searches = pending.map((p) => p.search);
      if (revalidations >= MAX_REVALIDATIONS) return this.scan(project, searches);
      return this.searchGroup(project, searches, await this.revalidate(project, searches), revalidations + 1);
    }
    const vectors = new Map<string, Float32Array>();
    for (const [id, r] of rows) vectors.set(id, decodeRow(r.vector, entry.dim));
    for (const p of pending) rerank(p.search, p.candidates, (c) => dotAt(p.search.query.vector, vectors.get(c.id) as Float32Array, 0, entry.dim));
  }

  /** The project's entry validated again (head and delta), or undefined when it must be loaded. */
  private async revalidate(project: string, group: readonly Search[]): Promise<Entry | undefined> {
    const entry = this.cached(project, group);
    if (!entry) return undefined;
    const [head, delta] = await this.db.batch([this.headStatement(project), this.deltaStatement(project, entry.rev)]);
    return validate(entry, head, delta);
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
    const exact = keepsExact(dim, capacity) && capacity * estimatedRowBytes(dim, true) <= cacheLimit;
    if (capacity * estimatedRowBytes(dim, exact) > cacheLimit) {
      tooBig.set(key, Date.now() + TOO_BIG_RETRY_MS);
      return undefined;
    }
    loads++;
    const entry = newEntry(key, dim, this.window, capacity, exact, headOf(headAnswer?.results[0] as Head | undefined));
    // Newest first into slots rowCount - 1 down to 0; fewer rows than counted (a concurrent delete) shift down after.
    const newestFirst: string[] = [];
    let slot = rowCount;
    let rows = (first?.results ?? []) as Row[];
    while (slot > 0) {
      for (const row of rows) {
        if (slot === 0) break;
        slot--;
        newestFirst.push(row.point_id);
        entry.seqs[slot] = row.seq;
        writeSlot(entry, slot, row);
      }
      const last = rows.at(-1);
      if (rows.length < SCAN_PAGE || last === undefined || slot === 0) break;
      rows = (await page(last.seq).all<Row>()).results;
    }
    entry.ids = newestFirst.reverse();
    entry.count = rowCount;
    if (slot > 0) dropOldest(entry, slot, false);
    for (let i = 0; i < entry.count; i++) {
      const id = entry.ids[i] as string;
      entry.slotOf.set(id, i);
      entry.idChars += id.length;
    }
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

/**
 * Applies a head and delta read to an entry: the entry when it is current now, undefined when it must be reloaded
 * (then it leaves the cache: a delta that did not fit may have overwritten some of its rows already).
 */
function validate(entry: Entry, headAnswer: D1Result | undefined, deltaAnswer: D1Result | undefined): Entry | undefined {
  const head = headOf(headAnswer?.results[0] as Head | undefined);
  const delta = ((deltaAnswer?.results ?? []) as Row[]).sort((a, b) => a.seq - b.seq);
  deltaRows += delta.length;
  return applyOrDrop(entry, head, delta);
}

/** The entry with the rows changed up to `head` applied (ascending seq), or undefined and dropped when they cannot be. */
function applyOrDrop(entry: Entry, head: Head, delta: readonly Row[]): Entry | undefined {
  if (head.resets === entry.resets && applyDelta(entry, head, delta)) return entry;
  if (cache.get(entry.key) === entry) cache.delete(entry.key);
  return undefined;
}

function newEntry(key: string, dim: number, window: number, capacity: number, exact: boolean, head: Head): Entry {
  const rows = Math.max(16, capacity);
  const entry: Entry = {
    key,
    dim,
    stride: wordsPerRow(dim),
    window,
    complete: false,
    rev: head.rev,
    resets: head.resets,
    count: 0,
    capacity: 0,
    words: new Int32Array(0),
    scales: new Float64Array(0),
    seqs: new Float64Array(0),
    exact: undefined,
    sources: new Int32Array(0),
    sourceValues: [],
    sourceIndex: new Map(),
    values: new Float64Array(0),
    supports: new Float64Array(0),
    tags: [],
    ids: [],
    slotOf: new Map(),
    idChars: 0,
  };
  resize(entry, rows, exact);
  return entry;
}

/** Reallocates an entry's columns for `capacity` rows, keeping its rows (and its Float32 copy only when `exact`). */
function resize(e: Entry, capacity: number, exact: boolean): void {
  const grow = <T extends Int32Array | Float64Array | Float32Array>(old: T, make: (n: number) => T, perRow: number): T => {
    const next = make(capacity * perRow);
    next.set(old.subarray(0, e.count * perRow));
    return next;
  };
  e.words = grow(e.words, (n) => new Int32Array(n), e.stride);
  e.scales = grow(e.scales, (n) => new Float64Array(n), 1);
  e.seqs = grow(e.seqs, (n) => new Float64Array(n), 1);
  e.sources = grow(e.sources, (n) => new Int32Array(n), 1);
  e.values = grow(e.values, (n) => new Float64Array(n), 1);
  e.supports = grow(e.supports, (n) => new Float64Array(n), 1);
  const copy = e.exact;
  e.exact = exact && (copy || e.count === 0) ? grow(copy ?? new Float32Array(0), (n) => new Float32Array(n), e.dim) : undefined;
  e.capacity = capacity;
}

/** The coordinates of a stored vector as the cache reads them: shorter ones zero-padded, longer ones cut to `dim`. */
function decodeRow(vector: string | Float32Array, dim: number, into = new Float32Array(dim)): Float32Array {
  into.fill(0, 0, dim);
  if (typeof vector !== "string") into.set(vector.subarray(0, dim));
  else decodeBase64Into(vector, new Uint8Array(into.buffer, into.byteOffset, dim * 4));
  return into;
}

/** Decodes a row into a slot: its codes and scale, its Float32 copy when kept, what the filters read of its payload. */
function writeSlot(e: Entry, slot: number, row: Row): void {
  const dim = e.dim;
  if (scratch.length < dim) scratch = new Float32Array(dim);
  const v = decodeRow(row.vector, dim, scratch);
  e.scales[slot] = quantiseInto(v, dim, e.words, slot * e.stride);
  e.exact?.set(v.subarray(0, dim), slot * dim);
  writeFilterFields(e, slot, row.payload);
}

/** A payload can hold a filter's key only if one is spelled out or something is escaped. */
const FILTER_KEYS = ['"source"', '"tags"', '"value"', '"support"', "\\"];

/** Keeps what `matchesFilter` reads of a payload (parsed only when it may hold a filter's key; unparsable: none). */
function writeFilterFields(e: Entry, slot: number, payload: string): void {
  let source: unknown;
  let value: unknown;
  let support: unknown;
  let tags: unknown;
  if (FILTER_KEYS.some((k) => payload.includes(k))) {
    let p: unknown;
    try {
      p = JSON.parse(payload);
    } catch {
      p = undefined;
    }
    if (typeof p === "object" && p !== null) ({ source, value, support, tags } = p as Record<string, unknown>);
  }
  let code = -1;
  if (source === null || (typeof source !== "object" && source !== undefined)) {
    code = e.sourceIndex.get(source) ?? -1;
    if (code < 0) {
      code = e.sourceValues.push(source) - 1;
      e.sourceIndex.set(source, code);
    }
  }
  e.sources[slot] = code;
  e.values[slot] = typeof value === "number" ? value : Number.NaN;
  e.supports[slot] = typeof support === "number" ? support : 1;
  if (Array.isArray(tags) || e.tags[slot] !== undefined) e.tags[slot] = Array.isArray(tags) ? tags : undefined;
}

/** `matchesFilter` over a cached row's fields. */
function rowMatches(e: Entry, slot: number, filter: NonNullable<VectorQuery["filter"]>): boolean {
  if (filter.source !== undefined) {
    const code = e.sources[slot] as number;
    if (code < 0 || e.sourceValues[code] !== filter.source) return false;
  }
  if (filter.tags?.length) {
    const tags = e.tags[slot];
    if (!(tags && filter.tags.some((t) => tags.includes(t)))) return false;
  }
  if (filter.minValue !== undefined && !((e.values[slot] as number) >= filter.minValue)) return false;
  if (filter.minSupport !== undefined && (e.supports[slot] as number) < filter.minSupport) return false;
  return true;
}

/** Appends the row newer than every cached one. */
function append(e: Entry, row: Row): void {
  if (e.count === e.capacity) {
    const capacity = e.count + slackRows(e.window);
    resize(e, capacity, e.exact !== undefined && keepsExact(e.dim, capacity));
  }
  const slot = e.count++;
  e.ids[slot] = row.point_id;
  e.seqs[slot] = row.seq;
  e.slotOf.set(row.point_id, slot);
  e.idChars += row.point_id.length;
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
  if (e.count > e.window + slackRows(e.window)) {
    dropOldest(e, e.count - e.window);
    e.complete = false;
  }
  evict(e);
  return cache.get(e.key) === e;
}

/** Drops the oldest `drop` rows (slots shift down), their ids too unless `ids` is false (a load lists only the kept ones). */
function dropOldest(e: Entry, drop: number, ids = true): void {
  const { count, stride, dim } = e;
  e.words.copyWithin(0, drop * stride, count * stride);
  for (const column of [e.scales, e.seqs, e.sources, e.values, e.supports]) column.copyWithin(0, drop, count);
  e.exact?.copyWithin(0, drop * dim, count * dim);
  e.tags.splice(0, drop);
  e.count = count - drop;
  if (ids) {
    for (let i = 0; i < drop; i++) {
      const id = e.ids[i] as string;
      e.slotOf.delete(id);
      e.idChars -= id.length;
    }
    e.ids.splice(0, drop);
    for (let i = 0; i < e.count; i++) e.slotOf.set(e.ids[i] as string, i);
  }
}

/**
 * Searches the newest `window` cached rows for each query. The codes give every row an approximate score a and a
 * bound b with |exact − a| ≤ b; a row is a candidate when a + b reaches the k-th best a − b (of rows passing the
 * filter), so the exact best k are among the candidates, and the candidates are re-ranked exactly: here from the
 * entry's Float32 copy, else returned as pending (their vectors are read from D1). Queries the codes cannot bound
 * (a coordinate not finite) go to `exactly`.
 */
function searchEntry(e: Entry, window: number, searches: readonly Search[], exactly: Search[]): Pending[] {
  const pending: Pending[] = [];
  const end = e.count;
  const start = Math.max(0, end - window);
  const n = end - start;
  for (let i = 0; i < sums.length; i++) if ((sums[i] as Float64Array).length < n) sums[i] = new Float64Array(n);
  // The queries the codes answer; their code sums are computed four at a time (one pass over the window's words).
  const coded: { search: Search; k: number; quantised: QuantisedQuery }[] = [];
  for (const search of searches) {
    const { query } = search;
    // Excluded ids are skipped while the candidates are chosen, so k is the limit itself (not limit + excludes).
    const k = query.limit;
    if (k <= 0) continue;
    const quantised = quantiseQuery(query.vector, e.dim);
    if (!quantised) {
      exactly.push(search);
      continue;
    }
    coded.push({ search, k, quantised });
  }
  const [s0, s1, s2, s3] = sums as [Float64Array, Float64Array, Float64Array, Float64Array];
  for (let b = 0; b < coded.length; b += 4) {
    const block = coded.slice(b, b + 4);
    // WebAssembly SIMD when it applies (a short block repeats its first query; the extra sums are not read).
    const q = block.map((c) => c.quantised.codes);
    const simd = wasmCodeDots4(
      e.words,
      e.stride,
      [q[0], q[1] ?? q[0], q[2] ?? q[0], q[3] ?? q[0]] as [Int32Array, Int32Array, Int32Array, Int32Array],
      start,
      end,
      [s0, s1, s2, s3],
    );
    if (simd) {
      // The sums are in s0 … s3.
    } else if (block.length === 4) {
      const [c0, c1, c2, c3] = block as [(typeof coded)[number], (typeof coded)[number], (typeof coded)[number], (typeof coded)[number]];
      const width = c0.quantised.codes.length * 4;
      if (interleaved.length < width) interleaved = new Int32Array(width);
      interleaveQueries(c0.quantised.codes, c1.quantised.codes, c2.quantised.codes, c3.quantised.codes, interleaved);
      codeDots4(e.words, e.stride, interleaved, start, end, s0, s1, s2, s3);
    } else
      for (let i = 0; i < block.length; i++)
        codeDots(e.words, e.stride, (block[i] as (typeof coded)[number]).quantised.codes, start, end, sums[i] as Float64Array);
    for (let i = 0; i < block.length; i++) {
      const { search, k, quantised } = block[i] as (typeof coded)[number];
      const { query } = search;
      const slots = candidates(e, start, end, quantised, sums[i] as Float64Array, k, query.filter, excludeSet(query.excludeIds));
      const list: Candidate[] = [];
      for (const slot of slots) {
        const scale = e.scales[slot] as number;
        // A zero row, or a zero query: the exact score is 0 (the bound is 0), no vector needed.
        const known = scale * quantised.slack === 0 ? 0 : undefined;
        list.push({ slot, id: e.ids[slot] as string, seq: e.seqs[slot] as number, known });
      }
      const exact = e.exact;
      if (exact) rerank(search, list, (c) => dotAt(query.vector, exact, c.slot * e.dim, e.dim));
      else if (list.filter((c) => c.known === undefined).length > MAX_FETCHED_CANDIDATES) exactly.push(search);
      else pending.push({ search, candidates: list });
    }
  }
  return pending;
}

/** The excluded ids of a query as a set, one set per list (a batch's queries often share theirs: a chunk's own ids). */
const excludeSets = new WeakMap<readonly string[], ReadonlySet<string>>();
function excludeSet(ids: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (!ids?.length) return undefined;
  let set = excludeSets.get(ids);
  if (!set) {
    set = new Set(ids);
    excludeSets.set(ids, set);
  }
  return set;
}

/** The candidate slots of one query, newest first (see searchEntry), from its code sums of rows start … end − 1. */
function candidates(
  e: Entry,
  start: number,
  end: number,
  q: QuantisedQuery,
  sums: Float64Array,
  k: number,
  filter: VectorQuery["filter"],
  exclude: ReadonlySet<string> | undefined,
): number[] {
  const { scales } = e;
  const { step, slack } = q;
  // Two passes over the sums: the k-th best lower bound first (`floor`: rows at or below it cannot raise it, so most
  // rows cost two products and a compare), then the rows whose upper bound reaches it. The filter and the excluded ids
  // are read only for rows that could count. One pass that kept every row above a floor still rising was slower.
  const lower = new Float64Array(k).fill(Number.NEGATIVE_INFINITY);
  let floor = Number.NEGATIVE_INFINITY;
  const passes = (slot: number) => (!filter || rowMatches(e, slot, filter)) && !exclude?.has(e.ids[slot] as string);
  for (let slot = end - 1; slot >= start; slot--) {
    const low = (scales[slot] as number) * (step * (sums[slot - start] as number) - slack);
    if (!(low > floor)) continue; // NaN (a row with a coordinate not finite) never raises it
    if (passes(slot)) floor = insertLower(lower, low);
  }
  const kept: number[] = [];
  for (let slot = end - 1; slot >= start; slot--) {
    const upper = (scales[slot] as number) * (step * (sums[slot - start] as number) + slack);
    if (upper < floor) continue; // NaN never skips
    if (passes(slot)) kept.push(slot);
  }
  return kept;
}

/** Inserts a lower bound into the k best (descending, the last dropped) and returns the new k-th. */
function insertLower(lower: Float64Array, low: number): number {
  let at = lower.length - 1;
  while (at > 0 && (lower[at - 1] as number) < low) {
    lower[at] = lower[at - 1] as number;
    at--;
  }
  lower[at] = low;
  return lower[lower.length - 1] as number;
}

/**
 * Scores candidates (newest first) exactly and offers the best `limit`: ties keep the newer, as TopK.offer does. The
 * candidates come from `candidates`, which already left the excluded ids out.
 */
function rerank(search: Search, list: readonly Candidate[], exact: (c: Candidate) => number): void {
  const { query, top } = search;
  const k = query.limit;
  const bestScore = new Float64Array(k);
  const best: Candidate[] = [];
  let n = 0;
  for (const c of list) {
    const s = c.known ?? exact(c);
    if (n === k && s <= (bestScore[k - 1] as number)) continue;
    let at = n < k ? n++ : k - 1;
    while (at > 0 && (bestScore[at - 1] as number) < s) {
      bestScore[at] = bestScore[at - 1] as number;
      best[at] = best[at - 1] as Candidate;
      at--;
    }
    bestScore[at] = s;
    best[at] = c;
  }
  for (let i = 0; i < n; i++) top.offer((best[i] as Candidate).id, bestScore[i] as number);
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

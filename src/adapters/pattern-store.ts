import { MAX_LISTED_SOURCES, PATTERN_SCHEMA_VERSION, type ExtractedPattern, type ExtractorName, type Pattern } from "../domain/patterns/pattern";
import { incrementCounter } from "./counters";
import { EVENT_COLUMNS, toRecord, type EventRecord, type EventRow } from "./event-store";

export interface PendingExtraction {
  record: EventRecord;
  value: number | null;
  /** The pattern this event is already a source of (a re-extraction): it stays there. */
  existingPatternId: string | null;
}

const E_COLUMNS = EVENT_COLUMNS.split(", ")
  .map((c) => `e.${c}`)
  .join(", ");

/**
 * The pending extractions of a project among some event ids (?1 project, ?2 JSON array of ids), with each event's latest
 * score value and the pattern it is already a source of. Every lookup is by index (test/workers/query-plans.test.ts):
 * its cost is the ids', not the project's sources.
 */
export const PENDING_EXTRACTIONS_SQL = `SELECT ${E_COLUMNS},
       (SELECT s.value FROM event_scores s WHERE s.project = e.project AND s.event_id = e.event_id ORDER BY s.scored_at DESC LIMIT 1) AS score_value,
       (SELECT ps.pattern_id FROM pattern_sources ps WHERE ps.project = e.project AND ps.event_id = e.event_id ORDER BY ps.pattern_id LIMIT 1) AS existing_pattern
FROM extractions x JOIN events e ON e.project = x.project AND e.event_id = x.event_id
WHERE x.project = ?1 AND x.status = 'pending' AND x.event_id IN (SELECT value FROM json_each(?2)) ORDER BY e.seq`;

/** Events of a project still waiting for extraction, with their latest value. Done ones are skipped (replays are no-ops). */
export async function loadPendingExtractions(db: D1Database, project: string, eventIds: readonly string[]): Promise<PendingExtraction[]> {
  const { results } = await db
    .prepare(PENDING_EXTRACTIONS_SQL)
    .bind(project, JSON.stringify(eventIds))
    .all<EventRow & { score_value: number | null; existing_pattern: string | null }>();
  return results.map((r) => ({ record: toRecord(r), value: r.score_value, existingPatternId: r.existing_pattern }));
}

/**
 * Which of some events (?1 project, ?2 JSON array of ids) still wait for extraction, and the pattern each is already a
 * source of; no payload is read. For a caller that holds the events already (the chunk it just scored).
 */
export const PENDING_STATES_SQL = `SELECT x.event_id,
       (SELECT ps.pattern_id FROM pattern_sources ps WHERE ps.project = x.project AND ps.event_id = x.event_id ORDER BY ps.pattern_id LIMIT 1) AS existing_pattern
FROM extractions x
WHERE x.project = ?1 AND x.status = 'pending' AND x.event_id IN (SELECT value FROM json_each(?2))`;

/** The events among `eventIds` still waiting for extraction → the pattern each is already a source of (null: none). */
export async function pendingExtractionStates(db: D1Database, project: string, eventIds: readonly string[]): Promise<Map<string, string | null>> {
  const rows = await db.prepare(PENDING_STATES_SQL).bind(project, JSON.stringify(eventIds)).raw<[string, string | null]>();
  return new Map(rows);
}

/** A pattern row to write: its text (the exemplar's), who wrote it, and the exemplar. Aggregates are recomputed from the sources. */
export interface PatternWrite {
  project: string;
  id: string;
  pattern: ExtractedPattern;
  extractor: ExtractorName;
  needsReextract: boolean;
  source: string;
  tags: string[];
  exemplarEventId: string;
  searchText: string;
}

/** A source event merged into a pattern: its value then, and its event time (ms). */
export interface SourceWrite {
  project: string;
  patternId: string;
  eventId: string;
  value: number | null;
  eventTime: number;
}

/**
 * Statements that store patterns and their sources, recompute each touched
 * pattern's support, quality, value and first/last seen from its sources
 * (so a replayed source changes nothing), and finish the extractions.
 * `finished` maps each extracted event to its pattern.
 */
export function storePatternsStatements(
  db: D1Database,
  patterns: readonly PatternWrite[],
  sources: readonly SourceWrite[],
  finished: readonly { project: string; eventId: string; patternId: string }[],
  now: number,
): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  if (patterns.length) {
    const rows = patterns.map((p) => [
      p.project,
      p.id,
      JSON.stringify({ ...p.pattern, tags: p.tags }),
      p.extractor,
      p.needsReextract ? 1 : 0,
      p.source,
      p.exemplarEventId,
      p.searchText,
    ]);
    statements.push(
      db
        .prepare(
          `INSERT INTO patterns (project, pattern_id, schema_version, pattern, extractor, needs_reextract, source, exemplar_event_id, search_text, created_at, updated_at)
           SELECT value ->> '$[0]', value ->> '$[1]', ?2, value ->> '$[2]', value ->> '$[3]', value ->> '$[4]', value ->> '$[5]', value ->> '$[6]', value ->> '$[7]', ?3, ?3
           FROM json_each(?1) WHERE true
           ON CONFLICT (project, pattern_id) DO UPDATE SET
             pattern = excluded.pattern, extractor = excluded.extractor, needs_reextract = excluded.needs_reextract, source = excluded.source,
             exemplar_event_id = excluded.exemplar_event_id, search_text = excluded.search_text, updated_at = excluded.updated_at`,
        )
        .bind(JSON.stringify(rows), PATTERN_SCHEMA_VERSION, now),
      ...[...Map.groupBy(patterns, (p) => p.extractor)].map(([extractor, list]) =>
        incrementCounter(db, "patterns_extracted_total", list.length, `extractor="${extractor}"`),
      ),
    );
  }
  if (sources.length) {
    statements.push(
      db
        .prepare(
          `INSERT INTO pattern_sources (project, pattern_id, event_id, added_at, value, event_time)
           SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', ?2, value ->> '$[3]', value ->> '$[4]' FROM json_each(?1) WHERE true ON CONFLICT DO NOTHING`,
        )
        .bind(JSON.stringify(sources.map((s) => [s.project, s.patternId, s.eventId, s.value, s.eventTime])), now),
    );
  }
  const touched = [...new Set([...patterns.map((p) => JSON.stringify([p.project, p.id])), ...sources.map((s) => JSON.stringify([s.project, s.patternId]))])];
  if (touched.length)
    statements.push(
      recomputeAggregatesStatement(
        db,
        touched.map((t) => JSON.parse(t) as [string, string]),
      ),
    );
  if (finished.length) {
    statements.push(
      db
        .prepare(
          `UPDATE extractions SET status = 'done', pattern_id = (SELECT value ->> '$[2]' FROM json_each(?1) WHERE value ->> '$[1]' = extractions.event_id AND value ->> '$[0]' = extractions.project), updated_at = ?2
           WHERE (project, event_id) IN (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?1))`,
        )
        .bind(JSON.stringify(finished.map((f) => [f.project, f.eventId, f.patternId])), now),
    );
  }
  return statements;
}

/** Support, quality, value and first/last seen of patterns, from their sources (one pass over each): idempotent by construction. */
function recomputeAggregatesStatement(db: D1Database, keys: readonly [string, string][]): D1PreparedStatement {
  return db.prepare(RECOMPUTE_AGGREGATES_SQL).bind(JSON.stringify(keys));
}

/** The aggregates of patterns (?1: [project, pattern_id] pairs) from their sources: one covering index range each (query-plans test). */
export const RECOMPUTE_AGGREGATES_SQL = `UPDATE patterns SET (support, quality, value, first_seen, last_seen) = (
         SELECT max(1, count(*)), avg(ps.value), max(ps.value), min(ps.event_time), max(ps.event_time)
         FROM pattern_sources ps WHERE ps.project = patterns.project AND ps.pattern_id = patterns.pattern_id)
       WHERE (project, pattern_id) IN (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?1))`;

/** A re-extracted pattern's new text (same exemplar, same sources, same vector). */
export function replacePatternTextStatement(
  db: D1Database,
  p: { project: string; id: string; pattern: ExtractedPattern; tags: readonly string[]; extractor: ExtractorName; searchText: string },
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE patterns SET pattern = ?3, extractor = ?4, needs_reextract = 0, search_text = coalesce(search_text, ?5), updated_at = ?6
       WHERE project = ?1 AND pattern_id = ?2`,
    )
    .bind(p.project, p.id, JSON.stringify({ ...p.pattern, tags: p.tags }), p.extractor, p.searchText, now);
}

/** Finishes extractions that yield no pattern (no real text to learn from). */
export function finishWithoutPatternStatement(db: D1Database, project: string, eventIds: readonly string[], now: number): D1PreparedStatement {
  return db
    .prepare("UPDATE extractions SET status = 'done', updated_at = ?3 WHERE project = ?1 AND event_id IN (SELECT value FROM json_each(?2))")
    .bind(project, JSON.stringify(eventIds), now);
}

interface PatternRow {
  seq: number;
  project: string;
  pattern_id: string;
  schema_version: number;
  pattern: string;
  extractor: ExtractorName;
  needs_reextract: number;
  value: number | null;
  source: string;
  support: number;
  quality: number | null;
  first_seen: number | null;
  last_seen: number | null;
  exemplar_event_id: string | null;
  search_text: string | null;
  exemplar_value: number | null;
  exemplar_time: number | null;
  sources: string;
}

/** Pattern rows with their exemplar's rank and first listed sources (by index: test/workers/query-plans.test.ts). */
export const PATTERN_SELECT = `SELECT p.seq, p.project, p.pattern_id, p.schema_version, p.pattern, p.extractor, p.needs_reextract, p.value, p.source,
  p.support, p.quality, p.first_seen, p.last_seen, p.exemplar_event_id, p.search_text,
  (SELECT x.value FROM pattern_sources x WHERE x.project = p.project AND x.pattern_id = p.pattern_id AND x.event_id = p.exemplar_event_id) AS exemplar_value,
  (SELECT x.event_time FROM pattern_sources x WHERE x.project = p.project AND x.pattern_id = p.pattern_id AND x.event_id = p.exemplar_event_id) AS exemplar_time,
  (SELECT json_group_array(event_id) FROM (SELECT ps.event_id FROM pattern_sources ps WHERE ps.project = p.project AND ps.pattern_id = p.pattern_id
     ORDER BY ps.event_time, ps.event_id LIMIT ${MAX_LISTED_SOURCES})) AS sources
  FROM patterns p`;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A stored pattern with what the pipeline needs besides the answer (project, seq, the exemplar's rank, the embedded text). */
export type StoredPattern = Pattern & {
  needs_reextract: boolean;
  project: string;
  seq: number;
  search_text: string | null;
  exemplar_rank: { value: number | null; at: number } | null;
};

function toPattern(r: PatternRow): StoredPattern {
  const stored = JSON.parse(r.pattern) as ExtractedPattern & { tags?: string[] };
  return {
    ...stored,
    tags: stored.tags ?? [],
    id: r.pattern_id,
    project: r.project,
    seq: r.seq,
    schema_version: r.schema_version,
    extractor: r.extractor,
    needs_reextract: r.needs_reextract === 1,
    value: r.value,
    source: r.source,
    source_event_ids: JSON.parse(r.sources) as string[],
    support: r.support,
    quality: r.quality,
    exemplar_event_id: r.exemplar_event_id,
    first_seen: iso(r.first_seen),
    last_seen: iso(r.last_seen),
    search_text: r.search_text,
    exemplar_rank: r.exemplar_event_id === null ? null : { value: r.exemplar_value, at: r.exemplar_time ?? 0 },
  };
}

/** A pattern as the API shows it: without project, seq and the pipeline's fields. */
export function publicPattern(p: StoredPattern) {
  const { project: _project, seq: _seq, search_text: _text, exemplar_rank: _rank, ...pattern } = p;
  return pattern;
}

export async function findPatterns(db: D1Database, project: string, ids: readonly string[]) {
  const { results } = await db
    .prepare(`${PATTERN_SELECT} WHERE p.project = ?1 AND p.pattern_id IN (SELECT value FROM json_each(?2))`)
    .bind(project, JSON.stringify(ids))
    .all<PatternRow>();
  return new Map(results.map((r) => [r.pattern_id, toPattern(r)]));
}

/** Patterns after a sequence number, any project, in order: for re-embedding in pages. */
export async function patternsAfter(db: D1Database, seq: number, limit: number) {
  const { results } = await db.prepare(`${PATTERN_SELECT} WHERE p.seq > ?1 ORDER BY p.seq LIMIT ?2`).bind(seq, limit).all<PatternRow>();
  return results.map(toPattern);
}

/** Patterns made by the fallback extractor while the LLM was down. */
export async function patternsNeedingReextract(db: D1Database, limit: number) {
  const { results } = await db.prepare(`${PATTERN_SELECT} WHERE p.needs_reextract = 1 ORDER BY p.seq LIMIT ?1`).bind(limit).all<PatternRow>();
  return results.map(toPattern);
}

/** Newest patterns of all projects (the dashboard). */
export async function recentPatterns(db: D1Database, limit: number) {
  const { results } = await db.prepare(`${PATTERN_SELECT} ORDER BY p.seq DESC LIMIT ?1`).bind(limit).all<PatternRow>();
  return results.map(toPattern);
}

/** A pattern's sources as events, best value first (the exemplar, then supporting ones), at most `limit`. */
export async function patternSourceEvents(db: D1Database, project: string, patternId: string, limit: number): Promise<EventRecord[]> {
  const { results } = await db
    .prepare(
      `SELECT ${E_COLUMNS} FROM pattern_sources ps JOIN events e ON e.project = ps.project AND e.event_id = ps.event_id
       WHERE ps.project = ?1 AND ps.pattern_id = ?2 ORDER BY coalesce(ps.value, -1) DESC, ps.event_time, ps.event_id LIMIT ?3`,
    )
    .bind(project, patternId, limit)
    .all<EventRow>();
  return results.map(toRecord);
}

export type PatternSort = "support" | "quality" | "last_seen";

/** Where a page of GET /v1/patterns ends: the sort key of its last pattern (null sorts last) and its seq. */
export interface PatternListCursor {
  key: number | null;
  seq: number;
}

export interface PatternListQuery {
  source?: string | undefined;
  tag?: string | undefined;
  minSupport?: number | undefined;
  minQuality?: number | undefined;
  sort: PatternSort;
  limit: number;
  after?: PatternListCursor | undefined;
}

const SORT_COLUMN: Record<PatternSort, string> = { support: "p.support", quality: "p.quality", last_seen: "p.last_seen" };

/**
 * A page of a project's patterns, by the sort key descending then newest
 * first (unknown keys last), keyset-paged on the patterns_by_<sort> index.
 */
export async function listPatterns(
  db: D1Database,
  project: string,
  q: PatternListQuery,
): Promise<{ patterns: StoredPattern[]; next: PatternListCursor | null }> {
  const col = SORT_COLUMN[q.sort];
  const where = ["p.project = ?1"];
  const binds: unknown[] = [project];
  const bind = (v: unknown) => {
    binds.push(v);
    return `?${binds.length}`;
  };
  if (q.source !== undefined) where.push(`p.source = ${bind(q.source)}`);
  if (q.tag !== undefined) where.push(`EXISTS (SELECT 1 FROM json_each(p.pattern, '$.tags') t WHERE t.value = ${bind(q.tag)})`);
  if (q.minSupport !== undefined) where.push(`p.support >= ${bind(q.minSupport)}`);
  if (q.minQuality !== undefined) where.push(`p.quality >= ${bind(q.minQuality)}`);
  if (q.after) {
    const seq = bind(q.after.seq);
    if (q.after.key === null) where.push(`(${col} IS NULL AND p.seq < ${seq})`);
    else {
      const key = bind(q.after.key);
      where.push(`(${col} < ${key} OR (${col} = ${key} AND p.seq < ${seq}) OR ${col} IS NULL)`);
    }
  }
  const { results } = await db
    .prepare(`${PATTERN_SELECT} WHERE ${where.join(" AND ")} ORDER BY ${col} DESC, p.seq DESC LIMIT ${bind(q.limit + 1)}`)
    .bind(...binds)
    .all<PatternRow>();
  const page = results.slice(0, q.limit).map(toPattern);
  const last = results.length > q.limit ? results[q.limit - 1] : undefined;
  const keyOf = (r: PatternRow) => (q.sort === "support" ? r.support : q.sort === "quality" ? r.quality : r.last_seen);
  return { patterns: page, next: last ? { key: keyOf(last), seq: last.seq } : null };
}

/** Pending extractions last enqueued before `cutoff`, grouped later by project. */
export async function staleExtractions(db: D1Database, cutoff: number, limit: number): Promise<{ project: string; event_id: string }[]> {
  const { results } = await db
    .prepare("SELECT project, event_id FROM extractions WHERE status = 'pending' AND enqueued_at < ?1 ORDER BY enqueued_at LIMIT ?2")
    .bind(cutoff, limit)
    .all<{ project: string; event_id: string }>();
  return results;
}

/**
 * How far the extract queue has got: the latest `enqueued_at` among extractions finished at or after `since`, or null
 * when none was (nothing finished in that time: stalled, or its messages are gone).
 */
export async function latestFinishedExtraction(db: D1Database, since: number): Promise<number | null> {
  const row = await db
    .prepare("SELECT max(enqueued_at) AS at FROM extractions WHERE status = 'done' AND updated_at >= ?1")
    .bind(since)
    .first<{ at: number | null }>();
  return row?.at ?? null;
}

/** Extractions waiting for a pattern, and the oldest enqueue among them. */
export async function pendingExtractions(db: D1Database): Promise<{ pending: number; oldestEnqueuedAt: number | null }> {
  const row = await db
    .prepare("SELECT count(*) AS pending, min(enqueued_at) AS oldest FROM extractions WHERE status = 'pending'")
    .first<{ pending: number; oldest: number | null }>();
  return { pending: row?.pending ?? 0, oldestEnqueuedAt: row?.oldest ?? null };
}

export async function markExtractionsEnqueued(db: D1Database, items: readonly { project: string; event_id: string }[], now: number) {
  await db
    .prepare(
      "UPDATE extractions SET enqueued_at = ?1, attempts = attempts + 1 WHERE (project, event_id) IN (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?2))",
    )
    .bind(now, JSON.stringify(items.map((i) => [i.project, i.event_id])))
    .run();
}

/** The outbox row that asks for extraction; written in the same transaction as the high-value score. */
export function requestExtractionsStatement(db: D1Database, project: string, eventIds: readonly string[], now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO extractions (project, event_id, status, enqueued_at, updated_at)
       SELECT ?1, value, 'pending', ?3, ?3 FROM json_each(?2) WHERE true ON CONFLICT DO NOTHING`,
    )
    .bind(project, JSON.stringify(eventIds), now);
}

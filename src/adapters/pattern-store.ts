import { PATTERN_SCHEMA_VERSION, type ExtractedPattern, type ExtractorName, type Pattern } from "../domain/patterns/pattern";
import { incrementCounter } from "./counters";
import { EVENT_COLUMNS, toRecord, type EventRecord, type EventRow } from "./event-store";

export interface PendingExtraction {
  record: EventRecord;
  value: number | null;
}

/** Events of a project still waiting for extraction, with their latest value. Done ones are skipped (replays are no-ops). */
export async function loadPendingExtractions(db: D1Database, project: string, eventIds: readonly string[]): Promise<PendingExtraction[]> {
  const { results } = await db
    .prepare(
      `SELECT ${EVENT_COLUMNS.split(", ")
        .map((c) => `e.${c}`)
        .join(", ")},
              (SELECT s.value FROM event_scores s WHERE s.project = e.project AND s.event_id = e.event_id ORDER BY s.scored_at DESC LIMIT 1) AS score_value
       FROM extractions x JOIN events e ON e.project = x.project AND e.event_id = x.event_id
       WHERE x.project = ?1 AND x.status = 'pending' AND x.event_id IN (SELECT value FROM json_each(?2)) ORDER BY e.seq`,
    )
    .bind(project, JSON.stringify(eventIds))
    .all<EventRow & { score_value: number | null }>();
  return results.map((r) => ({ record: toRecord(r), value: r.score_value }));
}

export interface PatternToStore {
  project: string;
  id: string;
  pattern: ExtractedPattern;
  extractor: ExtractorName;
  needsReextract: boolean;
  value: number | null;
  source: string;
  tags: string[];
  eventId: string;
}

/**
 * Statements that store patterns and their provenance and finish their
 * extractions. An LLM pattern replaces a heuristic one of the same id; a
 * heuristic one never replaces an LLM one.
 */
export function storePatternsStatements(db: D1Database, items: readonly PatternToStore[], now: number): D1PreparedStatement[] {
  if (items.length === 0) return [];
  const rows = items.map((p) => [
    p.project,
    p.id,
    JSON.stringify({ ...p.pattern, tags: p.tags }),
    p.extractor,
    p.needsReextract ? 1 : 0,
    p.value,
    p.source,
    p.eventId,
  ]);
  const json = JSON.stringify(rows);
  const byExtractor = Map.groupBy(items, (p) => p.extractor);
  return [
    db
      .prepare(
        `INSERT INTO patterns (project, pattern_id, schema_version, pattern, extractor, needs_reextract, value, source, created_at, updated_at)
         SELECT value ->> '$[0]', value ->> '$[1]', ?2, value ->> '$[2]', value ->> '$[3]', value ->> '$[4]', value ->> '$[5]', value ->> '$[6]', ?3, ?3
         FROM json_each(?1) WHERE true
         ON CONFLICT (project, pattern_id) DO UPDATE SET
           pattern = excluded.pattern, extractor = excluded.extractor, needs_reextract = excluded.needs_reextract,
           value = max(coalesce(patterns.value, 0), coalesce(excluded.value, 0)), updated_at = excluded.updated_at
         WHERE excluded.extractor = 'llm' OR patterns.extractor = 'heuristic'`,
      )
      .bind(json, PATTERN_SCHEMA_VERSION, now),
    db
      .prepare(
        `INSERT INTO pattern_sources (project, pattern_id, event_id, added_at)
         SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[7]', ?2 FROM json_each(?1) WHERE true ON CONFLICT DO NOTHING`,
      )
      .bind(json, now),
    db
      .prepare(
        `UPDATE extractions SET status = 'done', pattern_id = (SELECT value ->> '$[1]' FROM json_each(?1) WHERE value ->> '$[7]' = extractions.event_id AND value ->> '$[0]' = extractions.project), updated_at = ?2
         WHERE (project, event_id) IN (SELECT value ->> '$[0]', value ->> '$[7]' FROM json_each(?1))`,
      )
      .bind(json, now),
    ...[...byExtractor].map(([extractor, list]) => incrementCounter(db, "patterns_extracted_total", list.length, `extractor="${extractor}"`)),
  ];
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
  sources: string;
}

const PATTERN_SELECT = `SELECT p.seq, p.project, p.pattern_id, p.schema_version, p.pattern, p.extractor, p.needs_reextract, p.value, p.source,
  (SELECT json_group_array(event_id) FROM pattern_sources ps WHERE ps.project = p.project AND ps.pattern_id = p.pattern_id) AS sources
  FROM patterns p`;

function toPattern(r: PatternRow): Pattern & { needs_reextract: boolean; project: string; seq: number } {
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
  };
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

/** Pending extractions last enqueued before `cutoff`, grouped later by project. */
export async function staleExtractions(db: D1Database, cutoff: number, limit: number): Promise<{ project: string; event_id: string }[]> {
  const { results } = await db
    .prepare("SELECT project, event_id FROM extractions WHERE status = 'pending' AND enqueued_at < ?1 ORDER BY enqueued_at LIMIT ?2")
    .bind(cutoff, limit)
    .all<{ project: string; event_id: string }>();
  return results;
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

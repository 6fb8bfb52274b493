import type { Outcome, Rating } from "../domain/event-schema";
import type { Profile, ProfileRule } from "../domain/scoring/profiles";
import { upcastWeights } from "../domain/scoring/components";
import type { Score, Weights } from "../domain/scoring/score";
import { readTogether } from "./commit";

/** The current version of every profile and the ordered rules. */
export interface ScoringConfig {
  profiles: Map<string, Profile>;
  rules: ProfileRule[];
}

export async function loadScoringConfig(db: D1Database): Promise<ScoringConfig> {
  const [profiles, rules] = await readTogether<
    { name: string; version: number; weights: string },
    { profile: string; match_type: string | null; match_source: string | null; match_tag: string | null }
  >(
    db,
    db.prepare(
      `SELECT p.name, p.version, p.weights FROM weight_profiles p
       JOIN (SELECT name, max(version) AS version FROM weight_profiles GROUP BY name) cur USING (name, version)`,
    ),
    db.prepare("SELECT profile, match_type, match_source, match_tag FROM profile_rules ORDER BY position"),
  );
  return {
    profiles: new Map(
      profiles.map((p) => [p.name, { name: p.name, version: p.version, weights: upcastWeights(JSON.parse(p.weights) as Record<string, number>) }]),
    ),
    rules: rules.map((r) => ({
      profile: r.profile,
      ...(r.match_type !== null ? { type: r.match_type } : {}),
      ...(r.match_source !== null ? { source: r.match_source } : {}),
      ...(r.match_tag !== null ? { tag: r.match_tag } : {}),
    })),
  };
}

export interface FeedbackRow {
  seq: number;
  event_id: string | null;
  interaction_id: string | null;
  rating: Rating;
  outcome: Outcome | null;
}

/**
 * Feedback of a project targeting some events (?2) or interactions (?3), oldest first, each row once. Two indexed
 * lookups (test/workers/query-plans.test.ts): with one OR of both, SQLite read all the project's feedback per chunk.
 */
export const FEEDBACK_FOR_SQL = `SELECT seq, event_id, interaction_id, rating, outcome FROM feedback WHERE project = ?1 AND event_id IN (SELECT value FROM json_each(?2))
UNION SELECT seq, event_id, interaction_id, rating, outcome FROM feedback WHERE project = ?1 AND interaction_id IN (SELECT value FROM json_each(?3))
ORDER BY seq`;

/** All feedback that targets any of the given events, by event id or interaction id, oldest first. */
export async function loadFeedbackFor(db: D1Database, project: string, eventIds: readonly string[], interactionIds: readonly string[]): Promise<FeedbackRow[]> {
  const { results } = await db.prepare(FEEDBACK_FOR_SQL).bind(project, JSON.stringify(eventIds), JSON.stringify(interactionIds)).all<FeedbackRow>();
  return results;
}

export interface ScoreToWrite {
  project: string;
  eventId: string;
  score: Score;
  highValue: boolean;
  reason: string;
}

/** One statement writing many scores; a re-score with the same profile version overwrites its row. */
export function writeScoresStatement(db: D1Database, scores: readonly ScoreToWrite[], now: number): D1PreparedStatement {
  const rows = scores.map((s) => [
    s.project,
    s.eventId,
    s.score.weights.profile,
    s.score.weights.version,
    s.score.value,
    s.score.confidence,
    JSON.stringify(s.score.components),
    s.highValue ? 1 : 0,
    s.reason,
  ]);
  return db
    .prepare(
      `INSERT INTO event_scores (project, event_id, profile, profile_version, value, confidence, components, high_value, reason, scored_at)
       SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]', value ->> '$[5]',
              value ->> '$[6]', value ->> '$[7]', value ->> '$[8]', ?2
       FROM json_each(?1) WHERE true
       ON CONFLICT (project, event_id, profile, profile_version) DO UPDATE SET
         value = excluded.value, confidence = excluded.confidence, components = excluded.components,
         high_value = excluded.high_value, reason = excluded.reason, scored_at = excluded.scored_at`,
    )
    .bind(JSON.stringify(rows), now);
}

export interface StoredScore {
  value: number | null;
  confidence: number;
  components: Record<string, number | null>;
  profile: string;
  profileVersion: number;
  highValue: boolean;
  reason: string;
  scoredAt: number;
}

/** The latest score of each given event (the one written last). */
export async function latestScores(db: D1Database, project: string, eventIds: readonly string[]): Promise<Map<string, StoredScore>> {
  const { results } = await db
    .prepare(
      `SELECT event_id, value, confidence, components, profile, profile_version, high_value, reason, scored_at FROM (
         SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY scored_at DESC, rowid DESC) AS rn
         FROM event_scores WHERE project = ?1 AND event_id IN (SELECT value FROM json_each(?2))
       ) WHERE rn = 1`,
    )
    .bind(project, JSON.stringify(eventIds))
    .all<{
      event_id: string;
      value: number | null;
      confidence: number;
      components: string;
      profile: string;
      profile_version: number;
      high_value: number;
      reason: string;
      scored_at: number;
    }>();
  return new Map(
    results.map((r) => [
      r.event_id,
      {
        value: r.value,
        confidence: r.confidence,
        components: JSON.parse(r.components) as Record<string, number | null>,
        profile: r.profile,
        profileVersion: r.profile_version,
        highValue: r.high_value === 1,
        reason: r.reason,
        scoredAt: r.scored_at,
      },
    ]),
  );
}

export async function readCursor(db: D1Database, name: string): Promise<number> {
  const row = await db.prepare("SELECT position FROM job_cursors WHERE name = ?1").bind(name).first<{ position: number }>();
  return row?.position ?? 0;
}

/** A statement moving a cursor forward; batch it with the work it covers so a crash replays, never skips. */
export function advanceCursorStatement(db: D1Database, name: string, position: number, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO job_cursors (name, position, updated_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (name) DO UPDATE SET position = max(position, excluded.position), updated_at = excluded.updated_at`,
    )
    .bind(name, position, now);
}

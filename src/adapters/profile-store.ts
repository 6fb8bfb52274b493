import { type Components, upcastWeights } from "../domain/scoring/components";
import type { ProfileRule } from "../domain/scoring/profiles";
import type { Weights } from "../domain/scoring/score";

export interface ProfileVersion {
  name: string;
  version: number;
  weights: Weights;
  note: string | null;
  created_at: string;
}

export async function listProfileVersions(db: D1Database): Promise<ProfileVersion[]> {
  const { results } = await db
    .prepare("SELECT name, version, weights, note, created_at FROM weight_profiles ORDER BY name, version")
    .all<{ name: string; version: number; weights: string; note: string | null; created_at: number }>();
  return results.map((r) => ({
    ...r,
    weights: upcastWeights(JSON.parse(r.weights) as Record<string, number>),
    created_at: new Date(r.created_at).toISOString(),
  }));
}

/** Adds the next version of a profile (version 1 for a new name); earlier versions stay. */
export async function addProfileVersion(db: D1Database, name: string, weights: Weights, note: string | null, now: number): Promise<number> {
  const row = await db
    .prepare(
      `INSERT INTO weight_profiles (name, version, weights, note, created_at)
       SELECT ?1, coalesce(max(version), 0) + 1, ?2, ?3, ?4 FROM weight_profiles WHERE name = ?1
       RETURNING version`,
    )
    .bind(name, JSON.stringify(weights), note, now)
    .first<{ version: number }>();
  if (!row) throw new Error(`adding a version of profile ${name} returned no row`); // INSERT … SELECT of an aggregate always inserts one
  return row.version;
}

/** Replaces the ordered rule list in one transaction. */
export async function replaceRules(db: D1Database, rules: readonly ProfileRule[]): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM profile_rules"),
    ...rules.map((r, i) =>
      db
        .prepare("INSERT INTO profile_rules (position, profile, match_type, match_source, match_tag) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(i + 1, r.profile, r.type ?? null, r.source ?? null, r.tag ?? null),
    ),
  ]);
}

/** Most scored samples a fit reads (bounded memory). */
export const FIT_MAX_SAMPLES = 20_000;

/** Scores of a profile whose feedback component is known: the fitting data. */
export async function loadFitSamples(db: D1Database, profile: string): Promise<{ id: string; components: Components }[]> {
  const { results } = await db
    .prepare(
      `SELECT project || '/' || event_id AS id, components FROM event_scores
       WHERE profile = ?1 AND components ->> '$.feedback' IS NOT NULL
       ORDER BY scored_at DESC LIMIT ?2`,
    )
    .bind(profile, FIT_MAX_SAMPLES)
    .all<{ id: string; components: string }>();
  return results.map((r) => ({ id: r.id, components: JSON.parse(r.components) as Components }));
}

import type { Config } from "../config";
import { readTogether } from "./commit";

export interface RetentionPolicy {
  raw_events_days: number;
  processed_days: number;
  dead_letters_days: number;
  archives_days: number;
}

/** The policy of a project that has none of its own, from the RETENTION_* settings. */
export function retentionDefaults(c: Config): RetentionPolicy {
  return {
    raw_events_days: c.RETENTION_RAW_EVENTS_DAYS,
    processed_days: c.RETENTION_PROCESSED_DAYS,
    dead_letters_days: c.RETENTION_DEAD_LETTERS_DAYS,
    archives_days: c.RETENTION_ARCHIVES_DAYS,
  };
}

/** Projects with events or a policy, each with its policy (or the defaults). */
export async function retentionByProject(db: D1Database, defaults: RetentionPolicy): Promise<Map<string, RetentionPolicy>> {
  const [projects, policies] = await readTogether<{ project: string }, RetentionPolicy & { project: string }>(
    db,
    db.prepare("SELECT DISTINCT project FROM api_keys UNION SELECT DISTINCT project FROM retention_policies"),
    db.prepare("SELECT project, raw_events_days, processed_days, dead_letters_days, archives_days FROM retention_policies"),
  );
  const own = new Map(policies.map(({ project, ...p }) => [project, p]));
  return new Map(projects.map(({ project }) => [project, own.get(project) ?? defaults]));
}

export async function setRetention(db: D1Database, project: string, p: RetentionPolicy, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO retention_policies (project, raw_events_days, processed_days, dead_letters_days, archives_days, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (project) DO UPDATE SET raw_events_days = excluded.raw_events_days,
       processed_days = excluded.processed_days, dead_letters_days = excluded.dead_letters_days, archives_days = excluded.archives_days, updated_at = excluded.updated_at`,
    )
    .bind(project, p.raw_events_days, p.processed_days, p.dead_letters_days, p.archives_days, now)
    .run();
}

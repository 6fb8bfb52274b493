import { pruneAudit } from "../adapters/audit-store";
import { writeVerifiedArchive } from "../adapters/archive";
import { incrementCounter } from "../adapters/counters";
import { EVENT_COLUMNS, toRecord, type EventRow } from "../adapters/event-store";
import { retentionByProject, type RetentionPolicy } from "../adapters/retention-store";
import { readConfig } from "../config";
import type { Env } from "../env";

const DAY_MS = 86_400_000;

/**
 * The `lifecycle` job applies each project's retention in pages:
 * expired raw events are archived to R2 as gzip NDJSON with a manifest, read
 * back and verified, and only then deleted (unprocessed events never are);
 * derived rows, dead letters and old archives are deleted when they expire,
 * and interaction vectors beyond twice the similarity window are pruned.
 * Every step is counted (`learning_archived_events_total`, `learning_deleted_rows_total{kind}`).
 */
export async function applyRetention(env: Env, params: Record<string, unknown> = {}) {
  const config = readConfig(env);
  const now = typeof params.now === "number" ? params.now : Date.now();
  const defaults: RetentionPolicy = {
    raw_events_days: config.RETENTION_RAW_EVENTS_DAYS,
    processed_days: config.RETENTION_PROCESSED_DAYS,
    dead_letters_days: config.RETENTION_DEAD_LETTERS_DAYS,
    archives_days: config.RETENTION_ARCHIVES_DAYS,
  };
  const summary = { archives_written: 0, events_archived: 0, events_deleted: 0, derived_deleted: 0, dead_letters_deleted: 0, archives_deleted: 0, audit_deleted: 0 };

  for (const [project, policy] of await retentionByProject(env.DB, defaults)) {
    const rawCutoff = now - policy.raw_events_days * DAY_MS;
    for (let page = 0; page < config.LIFECYCLE_MAX_PAGES; page++) {
      const { results } = await env.DB.prepare(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE project = ?1 AND status = 'processed' AND received_at < ?2 ORDER BY seq LIMIT ?3`,
      )
        .bind(project, rawCutoff, config.LIFECYCLE_ARCHIVE_BATCH)
        .all<EventRow>();
      if (results.length === 0) break;
      const records = results.map(toRecord);
      const first = records[0]!.seq;
      const last = records[records.length - 1]!.seq;
      const key = `archives/${project}/${String(first).padStart(12, "0")}-${String(last).padStart(12, "0")}.ndjson.gz`;
      const manifest = await writeVerifiedArchive(env.ARCHIVE, key, project, records);
      const [, deleted] = await env.DB.batch([
        env.DB.prepare(
          `INSERT INTO archives (key, project, events, bytes, sha256, first_seq, last_seq, from_time, to_time, created_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (key) DO NOTHING`,
        ).bind(key, project, manifest.events, manifest.bytes, manifest.sha256, first, last, Date.parse(manifest.from_time), Date.parse(manifest.to_time), now),
        env.DB.prepare("DELETE FROM events WHERE project = ?1 AND seq IN (SELECT value FROM json_each(?2)) AND status = 'processed'").bind(
          project,
          JSON.stringify(records.map((r) => r.seq)),
        ),
        incrementCounter(env.DB, "archived_events_total", records.length),
      ]);
      summary.archives_written++;
      summary.events_archived += records.length;
      summary.events_deleted += deleted?.meta.changes ?? 0;
    }

    const processedCutoff = now - policy.processed_days * DAY_MS;
    const derived = await env.DB.batch([
      env.DB.prepare("DELETE FROM event_scores WHERE project = ?1 AND scored_at < ?2 AND event_id NOT IN (SELECT event_id FROM events WHERE project = ?1)").bind(project, processedCutoff),
      env.DB.prepare("DELETE FROM extractions WHERE project = ?1 AND status = 'done' AND updated_at < ?2").bind(project, processedCutoff),
      env.DB.prepare("DELETE FROM feedback WHERE project = ?1 AND received_at < ?2 AND coalesce(event_id, '') NOT IN (SELECT event_id FROM events WHERE project = ?1)").bind(project, processedCutoff),
      env.DB.prepare("DELETE FROM similarity_cache WHERE project = ?1 AND created_at < ?2").bind(project, processedCutoff),
    ]);
    summary.derived_deleted += derived.reduce((n, r) => n + (r.meta.changes ?? 0), 0);

    // Interaction vectors only matter inside the similarity window: keep twice it per project, drop the rest.
    const pruned = await env.DB.prepare(
      `DELETE FROM vectors WHERE collection GLOB 'interactions__*' AND project = ?1 AND seq <= coalesce(
         (SELECT seq FROM vectors WHERE collection GLOB 'interactions__*' AND project = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2), 0)`,
    )
      .bind(project, 2 * config.SIMILARITY_WINDOW)
      .run();
    summary.derived_deleted += pruned.meta.changes ?? 0;

    const { results: oldArchives } = await env.DB.prepare("SELECT key FROM archives WHERE project = ?1 AND created_at < ?2 LIMIT 100")
      .bind(project, now - policy.archives_days * DAY_MS)
      .all<{ key: string }>();
    if (oldArchives.length) {
      await env.ARCHIVE.delete(oldArchives.flatMap((a) => [a.key, `${a.key}.manifest.json`]));
      await env.DB.prepare("DELETE FROM archives WHERE key IN (SELECT value FROM json_each(?1))").bind(JSON.stringify(oldArchives.map((a) => a.key))).run();
      summary.archives_deleted += oldArchives.length;
    }
  }
  // Dead letters may not name a project (a malformed message): the default policy applies to all.
  const dead = await env.DB.prepare("DELETE FROM dead_letters WHERE created_at < ?1").bind(now - defaults.dead_letters_days * DAY_MS).run();
  summary.dead_letters_deleted += dead.meta.changes ?? 0;
  summary.audit_deleted = await pruneAudit(env.DB, now - config.RETENTION_AUDIT_DAYS * DAY_MS);

  const deletions = [
    ["events", summary.events_deleted],
    ["derived", summary.derived_deleted],
    ["dead_letters", summary.dead_letters_deleted],
    ["archives", summary.archives_deleted],
    ["audit", summary.audit_deleted],
  ] as const;
  const statements = deletions.filter(([, n]) => n > 0).map(([kind, n]) => incrementCounter(env.DB, "deleted_rows_total", n, `kind="${kind}"`));
  if (statements.length) await env.DB.batch(statements);
  return summary;
}

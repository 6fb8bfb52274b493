import { pruneAudit } from "../adapters/audit-store";
import { writeVerifiedArchive } from "../adapters/archive";
import { archivesMadeBefore, forgetArchives } from "../adapters/archive-index";
import { commitTogether } from "../adapters/commit";
import { incrementCounter } from "../adapters/counters";
import { retentionByProject, retentionDefaults } from "../adapters/retention-store";
import {
  deleteArchivedEvents,
  deleteDeadLettersBefore,
  deleteExpiredDerived,
  deleteLogRecordsBefore,
  expiredProcessedEvents,
  pruneInteractionVectors,
  pruneMetricsHistory,
} from "../adapters/retention-sweeps";
import type { Config } from "../config";
import type { Env } from "../env";

const DAY_MS = 86_400_000;

/** The dashboard's history keeps per-minute rows 48 hours and hourly rows 90 days (src/cron/history.ts). */
const HISTORY_MINUTES_MS = 2 * DAY_MS;
const HISTORY_HOURS_MS = 90 * DAY_MS;

/** Expired archives one run deletes per project (each is two R2 objects). */
const ARCHIVES_DELETED_PER_RUN = 100;

/**
 * The `lifecycle` job applies each project's retention in pages:
 * expired raw events are archived to R2 as gzip NDJSON with a manifest, read
 * back and verified, and only then deleted (unprocessed events never are);
 * derived rows, dead letters and old archives are deleted when they expire,
 * interaction vectors beyond twice the similarity window are pruned, and the
 * dashboard's history past 48 h (minute rows) and 90 days (hour rows).
 * Every step is counted (`learning_archived_events_total`, `learning_deleted_rows_total{kind}`).
 */
export async function applyRetention(env: Env, config: Config, params: Record<string, unknown> = {}) {
  const now = typeof params.now === "number" ? params.now : Date.now();
  const defaults = retentionDefaults(config);
  const summary = {
    archives_written: 0,
    events_archived: 0,
    events_deleted: 0,
    derived_deleted: 0,
    dead_letters_deleted: 0,
    archives_deleted: 0,
    audit_deleted: 0,
    history_deleted: 0,
  };

  for (const [project, policy] of await retentionByProject(env.DB, defaults)) {
    const rawCutoff = now - policy.raw_events_days * DAY_MS;
    for (let page = 0; page < config.LIFECYCLE_MAX_PAGES; page++) {
      const records = await expiredProcessedEvents(env.DB, project, rawCutoff, config.LIFECYCLE_ARCHIVE_BATCH);
      const [first] = records;
      const last = records.at(-1);
      if (!first || !last) break;
      const key = `archives/${project}/${String(first.seq).padStart(12, "0")}-${String(last.seq).padStart(12, "0")}.ndjson.gz`;
      const manifest = await writeVerifiedArchive(env.ARCHIVE, key, project, records);
      summary.events_deleted += await deleteArchivedEvents(
        env.DB,
        manifest,
        records.map((r) => r.seq),
        now,
      );
      summary.archives_written++;
      summary.events_archived += records.length;
    }

    summary.derived_deleted += await deleteLogRecordsBefore(env.DB, project, rawCutoff);
    summary.derived_deleted += await deleteExpiredDerived(env.DB, project, now - policy.processed_days * DAY_MS);
    // Interaction vectors only matter inside the similarity window: keep twice it per project, drop the rest.
    summary.derived_deleted += await pruneInteractionVectors(env.DB, project, 2 * config.SIMILARITY_WINDOW);

    const oldArchives = await archivesMadeBefore(env.DB, project, now - policy.archives_days * DAY_MS, ARCHIVES_DELETED_PER_RUN);
    if (oldArchives.length) {
      await env.ARCHIVE.delete(oldArchives.flatMap((key) => [key, `${key}.manifest.json`]));
      await forgetArchives(env.DB, oldArchives);
      summary.archives_deleted += oldArchives.length;
    }
  }
  // Dead letters may not name a project (a malformed message): the default policy applies to all.
  summary.dead_letters_deleted += await deleteDeadLettersBefore(env.DB, now - defaults.dead_letters_days * DAY_MS);
  summary.audit_deleted = await pruneAudit(env.DB, now - config.RETENTION_AUDIT_DAYS * DAY_MS);
  summary.history_deleted = await pruneMetricsHistory(env.DB, now - HISTORY_MINUTES_MS, now - HISTORY_HOURS_MS);

  const deletions = [
    ["events", summary.events_deleted],
    ["derived", summary.derived_deleted],
    ["dead_letters", summary.dead_letters_deleted],
    ["archives", summary.archives_deleted],
    ["audit", summary.audit_deleted],
    ["history", summary.history_deleted],
  ] as const;
  await commitTogether(
    env.DB,
    deletions.filter(([, n]) => n > 0).map(([kind, n]) => incrementCounter(env.DB, "deleted_rows_total", n, `kind="${kind}"`)),
  );
  return summary;
}

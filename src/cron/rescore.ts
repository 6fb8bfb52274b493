import { commitTogether } from "../adapters/commit";
import type { EventRecord } from "../adapters/event-store";
import { listFeedbackAfter, listScoredWithOlderVersion, loadProcessedTargets } from "../adapters/rescore-store";
import { advanceCursorStatement, readCursor } from "../adapters/scoring-store";
import type { Config } from "../config";
import { upcastEvent } from "../domain/upcast";
import type { Env } from "../env";
import { scoreEvents, type ScoreReason, type ScoringDeps } from "../pipeline/score-events";
import { scoringDeps } from "../wiring";

const FEEDBACK_CURSOR = "scoring.feedback";
const profileCursor = (name: string, version: number) => `scoring.profile.${name}.v${version}`;

/**
 * The `scoring` job: re-scores events whose feedback arrived after they were
 * scored, and events scored with an older version of their weight profile.
 * It pages through rows by cursors kept in D1; each page's scores and its
 * cursor commit in one transaction, so a crash resumes where it stopped and no
 * event is re-scored twice for the same reason.
 */
export async function rescoreEvents(env: Env, config: Config) {
  const deps = await scoringDeps(env, config);
  const summary = { feedback_rescored: 0, feedback_pages: 0, profile_rescored: 0, profile_pages: 0 };
  let pages = 0;

  for (; pages < config.SCORING_MAX_PAGES; pages++) {
    const cursor = await readCursor(env.DB, FEEDBACK_CURSOR);
    const refs = await listFeedbackAfter(env.DB, cursor, Date.now() - 1000 * config.FEEDBACK_SETTLE_SECONDS, config.SCORING_PAGE_SIZE);
    const lastRef = refs.at(-1);
    if (!lastRef) break;
    const byProject = Map.groupBy(refs, (r) => r.project);
    const records: EventRecord[] = [];
    for (const [project, rows] of byProject) {
      records.push(
        ...(await loadProcessedTargets(
          env.DB,
          project,
          rows.flatMap((r) => (r.event_id ? [r.event_id] : [])),
          rows.flatMap((r) => (r.interaction_id ? [r.interaction_id] : [])),
        )),
      );
    }
    summary.feedback_rescored += await commitPage(deps, env, records, "feedback", FEEDBACK_CURSOR, lastRef.seq);
    summary.feedback_pages++;
  }

  for (const profile of deps.scoring.profiles.values()) {
    if (profile.version <= 1) continue;
    const name = profileCursor(profile.name, profile.version);
    for (; pages < config.SCORING_MAX_PAGES; pages++) {
      const records = await listScoredWithOlderVersion(env.DB, profile.name, profile.version, await readCursor(env.DB, name), config.SCORING_PAGE_SIZE);
      const last = records.at(-1);
      if (!last) break;
      summary.profile_rescored += await commitPage(deps, env, records, "profile_version", name, last.seq);
      summary.profile_pages++;
    }
  }
  return { ...summary, more_pending: pages >= config.SCORING_MAX_PAGES };
}

/** Scores one page (at most one vector search per project in it) and commits it with its cursor. */
async function commitPage(deps: ScoringDeps, env: Env, records: EventRecord[], reason: ScoreReason, cursor: string, position: number): Promise<number> {
  const now = Date.now();
  const statements = [advanceCursorStatement(env.DB, cursor, position, now)];
  for (const [project, group] of Map.groupBy(records, (r) => r.project)) {
    const upcast = group.map((r) => ({ ...r, event: upcastEvent(r.event, r.schemaVersion) }));
    statements.push(...(await scoreEvents(deps, project, upcast, reason, now)).statements);
  }
  await commitTogether(env.DB, statements);
  return records.length;
}

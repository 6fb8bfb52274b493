import type { JudgeVerdict } from "../domain/scoring/judge-rubrics";

/** A verdict of the LLM judge as cached in `judge_verdicts`, by content hash. */
export interface StoredVerdict extends JudgeVerdict {
  model: string;
  judgedAt: number;
}

/** The cached verdicts of these content hashes (sha256 of model + rubric + judged text). */
export async function readVerdicts(db: D1Database, project: string, hashes: readonly string[]): Promise<Map<string, StoredVerdict>> {
  if (hashes.length === 0) return new Map();
  const { results } = await db
    .prepare(
      `SELECT content_hash, model, quality, non_answer, reason, judged_at FROM judge_verdicts
       WHERE project = ?1 AND content_hash IN (SELECT value FROM json_each(?2))`,
    )
    .bind(project, JSON.stringify([...new Set(hashes)]))
    .all<{ content_hash: string; model: string; quality: number; non_answer: number; reason: string; judged_at: number }>();
  return new Map(
    results.map((r) => [r.content_hash, { model: r.model, quality: r.quality, non_answer: r.non_answer === 1, reason: r.reason, judgedAt: r.judged_at }]),
  );
}

/** Stores verdicts by content hash; one already cached stays (the same text judged again is the same verdict). */
export function writeVerdictsStatement(
  db: D1Database,
  project: string,
  verdicts: readonly { hash: string; model: string; verdict: JudgeVerdict }[],
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO judge_verdicts (project, content_hash, model, quality, non_answer, reason, judged_at)
       SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]', ?2 FROM json_each(?3) WHERE true
       ON CONFLICT DO NOTHING`,
    )
    .bind(project, now, JSON.stringify(verdicts.map((v) => [v.hash, v.model, v.verdict.quality, v.verdict.non_answer ? 1 : 0, v.verdict.reason])));
}

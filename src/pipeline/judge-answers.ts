import type { BreakerOptions } from "../adapters/breaker";
import { commitTogether } from "../adapters/commit";
import { findEvents } from "../adapters/event-store";
import { readVerdicts, writeVerdictsStatement } from "../adapters/judge-store";
import { type JudgeConfig, judgeWithLlm } from "../adapters/llm-judge";
import { log } from "../adapters/log";
import { judgeAnswer } from "../domain/scoring/answer-quality";
import type { JudgeVerdict } from "../domain/scoring/judge-rubrics";
import { chooseProfile } from "../domain/scoring/profiles";
import { upcastEvent } from "../domain/upcast";
import { judgeRequestOf, qualityInputOf, type ScoringDeps, scoreEvents } from "./score-events";

/** The LLM judge's use case: scoring's dependencies, the judge and its breaker settings. */
export interface JudgeDeps extends ScoringDeps {
  judge: JudgeConfig;
  breaker: BreakerOptions;
  /** Judge calls at once. */
  concurrency: number;
}

/** Why judging must be tried again later: the judge was down (breaker open, network error, timeout) for some events. */
export class JudgeUnavailable extends Error {
  constructor(
    readonly waiting: number,
    cause: unknown,
  ) {
    super(`the LLM judge is unavailable for ${waiting} event(s)`, { cause });
    this.name = "JudgeUnavailable";
  }
}

/** What one judge run did: verdicts stored, answers that were no verdict, events re-scored. */
export interface JudgeSummary {
  judged: number;
  cached: number;
  malformed: number;
  rescored: number;
}

/**
 * Asks the LLM judge about the answers of these events (each distinct content hash once, the
 * cached ones not at all, `concurrency` at a time), stores the well-formed verdicts, then
 * re-scores every event that has one (reason `judge`), so `quality` becomes the LLM's. A
 * malformed answer stores nothing (the heuristic's quality stays); a judge that is down throws
 * {@link JudgeUnavailable} after the verdicts it did give are stored and used, so a retry asks
 * only for the rest. Heuristic non-answers and events without an answer are never sent.
 */
export async function judgeAnswers(deps: JudgeDeps, project: string, eventIds: readonly string[], now: () => number): Promise<JudgeSummary> {
  const records = await findEvents(deps.db, project, eventIds);
  const requests = new Map<string, NonNullable<Awaited<ReturnType<typeof judgeRequestOf>>>>();
  const eventsOf = new Map<string, string[]>();
  for (const record of records) {
    record.event = upcastEvent(record.event, record.schemaVersion);
    const e = record.event;
    if (judgeAnswer(qualityInputOf(e)).non_answer) continue;
    const profile = chooseProfile(deps.scoring.rules, { type: e.type, source: e.source, ...(e.tags ? { tags: e.tags } : {}) });
    const request = await judgeRequestOf(deps.judge.model, profile, e);
    if (!request) continue;
    requests.set(request.hash, request);
    eventsOf.set(request.hash, [...(eventsOf.get(request.hash) ?? []), record.eventId]);
  }
  const cached = await readVerdicts(deps.db, project, [...requests.keys()]);
  const toAsk = [...requests.values()].filter((r) => !cached.has(r.hash));

  const fresh: { hash: string; model: string; verdict: JudgeVerdict }[] = [];
  let malformed = 0;
  let down: unknown;
  let waiting = 0;
  for (let i = 0; i < toAsk.length; i += deps.concurrency) {
    const slice = toAsk.slice(i, i + deps.concurrency);
    const outcomes = await Promise.allSettled(slice.map((r) => judgeWithLlm(deps.db, deps.judge, deps.breaker, r.rubric, r.conversation)));
    for (const [j, outcome] of outcomes.entries()) {
      const request = slice[j];
      if (!request) continue;
      if (outcome.status === "rejected") {
        down ??= outcome.reason;
        waiting += eventsOf.get(request.hash)?.length ?? 0;
      } else if ("verdict" in outcome.value) {
        fresh.push({ hash: request.hash, model: deps.judge.model, verdict: outcome.value.verdict });
      } else {
        malformed++;
        log("warn", "LLM judge answer is no verdict; quality stays the heuristic's", {
          project,
          events: eventsOf.get(request.hash),
          model: deps.judge.model,
          error: outcome.value.malformed,
        });
      }
    }
  }

  if (fresh.length) await commitTogether(deps.db, [writeVerdictsStatement(deps.db, project, fresh, now())]);

  // Every event with a verdict now (new, or cached by another message meanwhile) is scored with it.
  const judgedHashes = new Set([...cached.keys(), ...fresh.map((f) => f.hash)]);
  const judgedIds = new Set([...judgedHashes].flatMap((h) => eventsOf.get(h) ?? []));
  const toScore = records.filter((r) => judgedIds.has(r.eventId) && r.status === "processed");
  if (toScore.length) {
    const { statements: scoring } = await scoreEvents(deps, project, toScore, "judge", now());
    await commitTogether(deps.db, scoring);
  }
  if (down !== undefined) throw new JudgeUnavailable(waiting, down);
  return { judged: fresh.length, cached: cached.size, malformed, rescored: toScore.length };
}

import type { EventRecord } from "../adapters/event-store";
import type { Embedder } from "../adapters/embedder";
import { incrementCounter } from "../adapters/counters";
import { readVerdicts, type StoredVerdict } from "../adapters/judge-store";
import { requestExtractionsStatement } from "../adapters/pattern-store";
import { loadFeedbackFor, latestScores, type ScoreToWrite, type ScoringConfig, writeScoresStatement } from "../adapters/scoring-store";
import { cacheSimilarityStatement, readSimilarityCache } from "../adapters/similarity-cache";
import type { VectorStore } from "../adapters/vector-store";
import { sha256Hex } from "../domain/sha256";
import type { Outcome, Rating } from "../domain/event-schema";
import {
  complexityComponent,
  feedbackComponent,
  outcomeComponent,
  REUSABILITY_NEIGHBOURS,
  similarityComponents,
  type Components,
} from "../domain/scoring/components";
import { judgeAnswer, type QualityInput, type QualityVerdict } from "../domain/scoring/answer-quality";
import { type JudgedConversation, judgeCacheKey, judgedConversationOf, rubricFor } from "../domain/scoring/judge-rubrics";
import { chooseProfile, DEFAULT_PROFILE } from "../domain/scoring/profiles";
import { isHighValue, scoreInteraction } from "../domain/scoring/score";
import { contentOf } from "../domain/text-content";
import { dot, lowerGram, packRows } from "../domain/vector-math";

/** What scoring needs; src/wiring.ts builds it from the environment and the configuration. */
export interface ScoringDeps {
  db: D1Database;
  store: VectorStore;
  embedder: Embedder;
  scoring: ScoringConfig;
  highValue: { minValue: number; minConfidence: number };
  /** The optional LLM judge (its model names the cached verdicts); null or absent: the heuristic judge alone. */
  judge?: { model: string } | null;
}

/**
 * Why an event is scored: first time, feedback, a new profile version, its content changed
 * (late OTLP log records), or the LLM judge gave its answer a verdict.
 */
export type ScoreReason = "ingest" | "feedback" | "profile_version" | "content" | "judge";

/** The point id of an event's query in the interactions collection. */
export const interactionPointId = (project: string, eventId: string) => `${project}/${eventId}`;

/**
 * Scores the events of one project. Similarity needs at most ONE vector
 * search call for the whole batch (none when every text is cached or already
 * known from an earlier score). Returns the statements to commit together with
 * whatever marks the work done, so scores, progress and the extraction outbox
 * rows of high-value events land atomically. `toJudge` names the events the LLM judge (when
 * configured) has no verdict for yet: not heuristic non-answers, and with an answer to judge.
 */
export async function scoreEvents(
  deps: ScoringDeps,
  project: string,
  records: readonly EventRecord[],
  reason: ScoreReason,
  now: number,
): Promise<{ statements: D1PreparedStatement[]; scores: ScoreToWrite[]; toJudge: string[] }> {
  if (records.length === 0) return { statements: [], scores: [], toJudge: [] };
  const ids = records.map((r) => r.eventId);
  const interactionIds = records.flatMap((r) => (r.event.interaction_id ? [r.event.interaction_id] : []));
  const [feedback, previous] = await Promise.all([
    loadFeedbackFor(deps.db, project, ids, interactionIds),
    reason === "ingest" ? Promise.resolve(new Map()) : latestScores(deps.db, project, ids),
  ]);

  const similarity = await findSimilarity(deps, project, records, previous, now);
  const profileNames = records.map((r) =>
    chooseProfile(deps.scoring.rules, { type: r.event.type, source: r.event.source, ...(r.event.tags ? { tags: r.event.tags } : {}) }),
  );
  // The answer itself (src/domain/scoring/answer-quality.ts): a non-answer is never high value.
  const heuristic = records.map((r) => judgeAnswer(qualityInputOf(r.event)));
  // The LLM judge's cached verdicts, when it is configured: never asked here (off the ingest path).
  const judge = deps.judge;
  const requests = judge
    ? await Promise.all(records.map((r, i) => (heuristic[i]?.non_answer ? undefined : judgeRequestOf(judge.model, profileNames[i] as string, r.event))))
    : [];
  const verdicts = await readVerdicts(
    deps.db,
    project,
    requests.flatMap((r) => (r ? [r.hash] : [])),
  );
  const toJudge: string[] = [];

  const scores: ScoreToWrite[] = records.map((record, i) => {
    const e = record.event;
    const mine = feedback.filter((f) => f.event_id === record.eventId || (e.interaction_id && f.interaction_id === e.interaction_id));
    const corrected = [...mine].reverse().find((f) => f.outcome !== null)?.outcome ?? null;
    const query = contentOf(e.query);
    const response = contentOf(e.response);
    const toolCalls = e.attributes?.tool_calls;
    const request = requests[i];
    const llm = request ? verdicts.get(request.hash) : undefined;
    if (request && !llm) toJudge.push(record.eventId);
    const verdict = qualityOf(heuristic[i] as QualityVerdict, llm);
    const components: Components = {
      outcome: outcomeComponent(e.outcome as Outcome | undefined, corrected as Outcome | null),
      feedback: feedbackComponent(mine.map((f) => f.rating as Rating).concat(e.feedback != null ? [e.feedback as Rating] : [])),
      complexity: complexityComponent({
        ...(e.tokens_in !== undefined ? { tokensIn: e.tokens_in } : {}),
        ...(e.tokens_out !== undefined ? { tokensOut: e.tokens_out } : {}),
        ...(query !== undefined ? { queryChars: query.length } : {}),
        ...(response !== undefined ? { responseChars: response.length } : {}),
        ...(typeof toolCalls === "number" && toolCalls >= 0 ? { toolCalls } : {}),
      }),
      // findSimilarity answers for every record; one it had no answer for would have unknown similarity.
      ...(similarity.get(record.eventId) ?? similarityComponents(null)),
      quality: verdict.quality,
    };
    const profileName = profileNames[i] as string;
    const profile = deps.scoring.profiles.get(profileName) ?? deps.scoring.profiles.get(DEFAULT_PROFILE);
    if (!profile) throw new Error("no 'default' weight profile: the seed migration is missing");
    const score = scoreInteraction(components, profile.weights, { profile: profile.name, version: profile.version });
    return {
      project,
      eventId: record.eventId,
      score,
      highValue: !verdict.non_answer && isHighValue(score, deps.highValue.minValue, deps.highValue.minConfidence),
      reason,
    };
  });
  const highValue = scores.filter((s) => s.highValue).map((s) => s.eventId);
  return {
    statements: [
      writeScoresStatement(deps.db, scores, now),
      incrementCounter(deps.db, "events_scored_total", scores.length, `reason="${reason}"`),
      ...similarity.statements,
      ...(highValue.length ? [requestExtractionsStatement(deps.db, project, highValue, now)] : []),
    ],
    scores,
    toJudge,
  };
}

/**
 * The quality scoring uses: the LLM judge's cached verdict when there is one (a non-answer if
 * either judge says so), else the heuristic's.
 */
export function qualityOf(heuristic: QualityVerdict, llm: StoredVerdict | undefined): { quality: number | null; non_answer: boolean } {
  return llm ? { quality: llm.quality, non_answer: heuristic.non_answer || llm.non_answer } : heuristic;
}

/** What the LLM judge is asked about an event, and the content hash its verdict is cached by; undefined: no answer to judge. */
export async function judgeRequestOf(
  model: string,
  profile: string,
  e: EventRecord["event"],
): Promise<{ rubric: string; conversation: JudgedConversation; hash: string } | undefined> {
  const toolCalls = e.attributes?.tool_calls;
  const conversation = judgedConversationOf(qualityInputOf(e), typeof toolCalls === "number" && toolCalls >= 0 ? toolCalls : undefined);
  if (!conversation) return undefined;
  const rubric = rubricFor(profile);
  return { rubric, conversation, hash: await sha256Hex(judgeCacheKey(model, rubric, conversation)) };
}

/** What the answer-quality judge reads of an event: the conversation, the answer and its finish reasons. */
export function qualityInputOf(e: EventRecord["event"]): QualityInput {
  const attrs = (e.attributes ?? {}) as Record<string, unknown>;
  const reasons = attrs["gen_ai.response.finish_reasons"] ?? attrs.finish_reasons ?? attrs.finish_reason;
  const finishReasons = (Array.isArray(reasons) ? reasons : [reasons]).filter((r): r is string => typeof r === "string");
  const query = contentOf(e.query);
  // As sent: the judge tells an empty answer from none, and scrubbed markers from text.
  const response = typeof e.response === "string" ? e.response : undefined;
  return {
    ...(e.messages?.length ? { messages: e.messages } : {}),
    ...(query !== undefined ? { query } : {}),
    ...(response !== undefined ? { response } : {}),
    ...(finishReasons.length ? { finishReasons } : {}),
    ...(e.outcome ? { outcome: e.outcome as Outcome } : {}),
  };
}

type Similarity = Map<string, Pick<Components, "reusability" | "novelty">> & { statements: D1PreparedStatement[] };

/** Puts `score` into `best` (descending, at most `k` long) when it is among the k best. */
function keepBest(best: number[], score: number, k: number): void {
  if (best.length === k && !(score > (best[k - 1] as number))) return;
  let at = best.length < k ? best.push(score) - 1 : k - 1;
  while (at > 0 && (best[at - 1] as number) < score) {
    best[at] = best[at - 1] as number;
    at--;
  }
  best[at] = score;
}

/**
 * Reusability and novelty per event: kept from an earlier score when known,
 * else from the similarity cache (by query-text hash), else from one batched
 * vector search. New query texts are then added to the store and the cache.
 */
async function findSimilarity(
  deps: ScoringDeps,
  project: string,
  records: readonly EventRecord[],
  previous: Map<string, { components: Record<string, number | null> }>,
  now: number,
): Promise<Similarity> {
  const result = Object.assign(new Map(), { statements: [] as D1PreparedStatement[] }) as Similarity;
  const pending: { eventId: string; text: string; hash: string }[] = [];
  for (const record of records) {
    const known = previous.get(record.eventId)?.components;
    if (known && (known.reusability != null || known.novelty != null)) {
      result.set(record.eventId, { reusability: known.reusability ?? null, novelty: known.novelty ?? null });
      continue;
    }
    const text = contentOf(record.event.query);
    if (text === undefined) {
      result.set(record.eventId, similarityComponents(null));
      continue;
    }
    pending.push({ eventId: record.eventId, text, hash: await sha256Hex(text) });
  }
  if (pending.length === 0) return result;

  const cached = await readSimilarityCache(deps.db, deps.store.collection, project, [...new Set(pending.map((p) => p.hash))]);
  const firstOfHash = new Map<string, (typeof pending)[number]>();
  const toSearch = pending.filter((p) => {
    if (cached.has(p.hash) || firstOfHash.has(p.hash)) return false;
    firstOfHash.set(p.hash, p);
    return true;
  });
  const vectors = await deps.embedder.embed(toSearch.map((p) => p.text));
  const searchable = toSearch.flatMap((p, i) => {
    const vector = vectors[i];
    return vector ? [{ p, vector }] : [];
  });
  // This chunk's own points, should a redelivered chunk find them stored, are excluded: they are compared in the
  // chunk below instead.
  const ownIds = searchable.map(({ p }) => interactionPointId(project, p.eventId));
  const hits = searchable.length
    ? await deps.store.searchBatch(searchable.map(({ vector }) => ({ project, vector, limit: REUSABILITY_NEIGHBOURS, excludeIds: ownIds })))
    : [];
  const fresh = new Map<string, number[]>();
  // Order-free: the earlier events of this chunk (server order) are neighbours too, exactly as if each had
  // arrived alone and been stored before this one; all pairs from one batched product over the packed vectors.
  const packed = packRows(searchable.map(({ vector }) => vector));
  const uniform = searchable.every(({ vector }) => vector.length === packed.dim);
  const gram = uniform ? lowerGram(packed.matrix, searchable.length, packed.dim) : undefined;
  for (const [i, { p, vector }] of searchable.entries()) {
    const found = hits[i]; // one answer per search: a search without one stays unknown, and uncached
    if (!found) continue;
    // The best REUSABILITY_NEIGHBOURS kept as they come (descending), not all i of the chunk's pairs sorted per event.
    const neighbours = found
      .map((h) => h.score)
      .sort((a, b) => b - a)
      .slice(0, REUSABILITY_NEIGHBOURS);
    for (let j = 0; j < i; j++)
      keepBest(
        neighbours,
        gram ? (gram[i * searchable.length + j] as number) : dot(vector, (searchable[j] as (typeof searchable)[number]).vector),
        REUSABILITY_NEIGHBOURS,
      );
    fresh.set(p.hash, neighbours);
  }

  for (const p of pending) {
    let neighbours: number[] | null;
    if (firstOfHash.get(p.hash) === p) neighbours = fresh.get(p.hash) ?? null;
    else {
      // A repeat of a text seen before is a neighbour of similarity 1 to that earlier copy.
      const earlier = cached.get(p.hash) ?? fresh.get(p.hash);
      neighbours = earlier === undefined ? null : [1, ...earlier];
    }
    result.set(p.eventId, similarityComponents(neighbours));
  }

  await deps.store.upsert(
    searchable.map(({ p, vector }) => ({
      id: interactionPointId(project, p.eventId),
      project,
      vector,
      payload: { event_id: p.eventId, text_hash: p.hash },
    })),
  );
  if (fresh.size > 0) result.statements.push(cacheSimilarityStatement(deps.db, deps.store.collection, project, fresh, now));
  return result;
}

import { sessionEventsUpTo } from "./adapters/session-store";
import { breakerOptions } from "./adapters/breaker";
import { EmbeddedVectorStore } from "./adapters/embedded-vector-store";
import { hashingEmbedder, type Embedder } from "./adapters/embedder";
import type { JudgeConfig } from "./adapters/llm-judge";
import { openAiEmbedder } from "./adapters/openai-embedder";
import { QdrantVectorStore } from "./adapters/qdrant-vector-store";
import { loadScoringConfig } from "./adapters/scoring-store";
import { collectionName } from "./adapters/vector-store";
import type { Config } from "./config";
import type { Env } from "./env";
import type { CurationDeps } from "./pipeline/curate-examples";
import type { PatternDeps } from "./pipeline/extract-patterns";
import type { JudgeDeps } from "./pipeline/judge-answers";
import type { ScoringDeps } from "./pipeline/score-events";

/** Embedded-store scan window for pattern search (patterns are few next to interactions). */
const PATTERN_SCAN_WINDOW = 100_000;

/** Near-duplicate search compares against this many newest examples of a dataset. */
const NEAR_DUPLICATE_WINDOW = 50_000;

/**
 * Pattern extraction and search: the LLM when LLM_URL is set, the embeddings
 * server when EMBEDDINGS_URL is set (else the built-in embedder), Qdrant when
 * QDRANT_URL is set (else the embedded store in D1).
 *
 * @example
 * const deps = patternDeps(env, readConfig(env));
 * await extractPatterns(deps, project, eventIds, Date.now());
 */
export function patternDeps(env: Env, config: Config): PatternDeps {
  const breaker = breakerOptions(config);
  // Without EMBEDDINGS_URL only a collection a server embedded earlier asks for one: its calls fail (no URL) as an unreachable server's would.
  const remoteEmbedder = (model: string, dimension: number) =>
    openAiEmbedder(env.DB, { url: env.EMBEDDINGS_URL ?? "", model, dimension, apiKey: env.AI_API_KEY }, breaker);
  return {
    db: env.DB,
    breaker,
    mergeThreshold: config.PATTERN_MERGE_THRESHOLD,
    embedder: env.EMBEDDINGS_URL ? remoteEmbedder(env.EMBEDDINGS_MODEL ?? "default", Number(env.EMBEDDINGS_DIMENSION ?? 768)) : hashingEmbedder,
    embedderFor: (row) =>
      row.model === hashingEmbedder.model && row.dimension === hashingEmbedder.dimension ? hashingEmbedder : remoteEmbedder(row.model, row.dimension),
    storeFor: (row) =>
      env.QDRANT_URL
        ? new QdrantVectorStore(env.DB, env.QDRANT_URL, env.QDRANT_API_KEY, row.name, row.dimension, breaker)
        : new EmbeddedVectorStore(env.DB, row.name, PATTERN_SCAN_WINDOW),
    llm: env.LLM_URL ? { url: env.LLM_URL, model: env.LLM_MODEL ?? "default", apiKey: env.AI_API_KEY } : null,
  };
}

/**
 * Scoring: the built-in embedder and the embedded store over the newest
 * SIMILARITY_WINDOW interactions, with the current weight profiles (read from D1).
 */
export async function scoringDeps(env: Env, config: Config): Promise<ScoringDeps> {
  const embedder = hashingEmbedder;
  return {
    db: env.DB,
    embedder,
    store: new EmbeddedVectorStore(env.DB, collectionName("interactions", embedder.model, embedder.dimension), config.SIMILARITY_WINDOW),
    scoring: await loadScoringConfig(env.DB),
    highValue: { minValue: config.HIGH_VALUE_MIN_VALUE, minConfidence: config.HIGH_VALUE_MIN_CONFIDENCE },
    judge: judgeConfig(env, config),
  };
}

/**
 * The optional LLM judge of answer quality: JUDGE_URL (and JUDGE_MODEL) when set, else LLM_URL
 * (and LLM_MODEL) when JUDGE_ENABLED is true, else none (the heuristic judge alone).
 */
export function judgeConfig(env: Env, config: Pick<Config, "JUDGE_ENABLED">): JudgeConfig | null {
  if (env.JUDGE_URL) return { url: env.JUDGE_URL, model: env.JUDGE_MODEL || "default", apiKey: env.AI_API_KEY };
  if (config.JUDGE_ENABLED && env.LLM_URL) return { url: env.LLM_URL, model: env.LLM_MODEL || "default", apiKey: env.AI_API_KEY };
  return null;
}

/** The judge queue message's handler: scoring's dependencies, the judge (configured) and its breaker settings. */
export async function judgeDeps(env: Env, config: Config, scoring?: ScoringDeps): Promise<JudgeDeps | null> {
  const judge = judgeConfig(env, config);
  if (!judge) return null;
  return { ...(scoring ?? (await scoringDeps(env, config))), judge, breaker: breakerOptions(config), concurrency: JUDGE_CONCURRENCY };
}

/** Judge calls one message makes at once. */
const JUDGE_CONCURRENCY = 2;

/**
 * Dataset curation: near duplicates are judged with the built-in embedder in
 * the embedded store, whatever EMBEDDINGS_URL says, so a model change never
 * changes which examples count as the same.
 */
export function curationDeps(env: Env): CurationDeps {
  const embedder: Embedder = hashingEmbedder;
  return {
    embedder,
    storeFor: (ds) => new EmbeddedVectorStore(env.DB, collectionName(`dataset_${ds.name}`, embedder.model, embedder.dimension), NEAR_DUPLICATE_WINDOW),
    loadSession: (project, sessionId, uptoSeq) => sessionEventsUpTo(env.DB, project, sessionId, uptoSeq),
  };
}

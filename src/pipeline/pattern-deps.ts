import type { BreakerOptions } from "../adapters/breaker";
import { EmbeddedVectorStore } from "../adapters/embedded-vector-store";
import { hashingEmbedder, type Embedder } from "../adapters/embedder";
import { openAiEmbedder } from "../adapters/openai-embedder";
import { QdrantVectorStore } from "../adapters/qdrant-vector-store";
import type { CollectionRow } from "../adapters/vector-collections";
import type { VectorStore } from "../adapters/vector-store";
import { readConfig } from "../config";
import type { Env } from "../env";

/** Embedded-store scan window for pattern search (patterns are few next to interactions). */
const PATTERN_SCAN_WINDOW = 100_000;

export interface PatternDeps {
  db: D1Database;
  breaker: BreakerOptions;
  /** The configured embedder: the built-in one unless EMBEDDINGS_URL is set. */
  embedder: Embedder;
  /** The embedder that made a collection (queries must be embedded in the collection's own space). */
  embedderFor(row: CollectionRow): Embedder;
  storeFor(row: CollectionRow): VectorStore;
  llm: { url: string; model: string; apiKey?: string | undefined } | null;
}

/** Wires pattern work to the configured (or embedded default) LLM, embeddings and vector store. */
export function createPatternDeps(env: Env): PatternDeps {
  const config = readConfig(env);
  const breaker: BreakerOptions = {
    timeoutMs: config.OUTBOUND_TIMEOUT_MS,
    failuresToOpen: config.BREAKER_FAILURES,
    halfOpenAfterMs: config.BREAKER_HALF_OPEN_SECONDS * 1000,
  };
  const remoteEmbedder = (model: string, dimension: number) =>
    openAiEmbedder(env.DB, { url: env.EMBEDDINGS_URL!, model, dimension, apiKey: env.AI_API_KEY }, breaker);
  const embedder =
    env.EMBEDDINGS_URL
      ? remoteEmbedder(env.EMBEDDINGS_MODEL ?? "default", Number(env.EMBEDDINGS_DIMENSION ?? 768))
      : hashingEmbedder;
  return {
    db: env.DB,
    breaker,
    embedder,
    embedderFor: (row) => (row.model === hashingEmbedder.model && row.dimension === hashingEmbedder.dimension ? hashingEmbedder : remoteEmbedder(row.model, row.dimension)),
    storeFor: (row) =>
      env.QDRANT_URL
        ? new QdrantVectorStore(env.DB, env.QDRANT_URL, env.QDRANT_API_KEY, row.name, row.dimension, breaker)
        : new EmbeddedVectorStore(env.DB, row.name, PATTERN_SCAN_WINDOW),
    llm: env.LLM_URL ? { url: env.LLM_URL, model: env.LLM_MODEL ?? "default", apiKey: env.AI_API_KEY } : null,
  };
}

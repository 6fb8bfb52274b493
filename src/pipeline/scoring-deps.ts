import { EmbeddedVectorStore } from "../adapters/embedded-vector-store";
import { hashingEmbedder } from "../adapters/embedder";
import { loadScoringConfig } from "../adapters/scoring-store";
import { collectionName } from "../adapters/vector-store";
import { readConfig } from "../config";
import type { Env } from "../env";
import type { ScoringDeps } from "./score-events";

/** Wires scoring to this environment's D1, embedder and vector store, with the current weight profiles. */
export async function createScoringDeps(env: Env): Promise<ScoringDeps> {
  const config = readConfig(env);
  const embedder = hashingEmbedder;
  return {
    db: env.DB,
    embedder,
    store: new EmbeddedVectorStore(env.DB, collectionName("interactions", embedder.model, embedder.dimension), config.SIMILARITY_WINDOW),
    scoring: await loadScoringConfig(env.DB),
    highValue: { minValue: config.HIGH_VALUE_MIN_VALUE, minConfidence: config.HIGH_VALUE_MIN_CONFIDENCE },
  };
}

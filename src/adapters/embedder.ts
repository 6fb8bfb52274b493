import { HASHING_EMBEDDER_DIMENSION, HASHING_EMBEDDER_MODEL, hashEmbed } from "../domain/hashing-embedder";

/** Turns texts into vectors of one model and dimension. */
export interface Embedder {
  readonly model: string;
  readonly dimension: number;
  /** One vector per text, or null for a text with nothing to embed. */
  embed(texts: readonly string[]): Promise<(Float32Array | null)[]>;
}

/** The embedded default: the deterministic hashing embedder, no network. */
export const hashingEmbedder: Embedder = {
  model: HASHING_EMBEDDER_MODEL,
  dimension: HASHING_EMBEDDER_DIMENSION,
  embed: async (texts) => texts.map((t) => hashEmbed(t)),
};

import { z } from "zod";
import { callWithBreaker, type BreakerOptions } from "./breaker";
import { joinUrl } from "./join-url";
import type { Embedder } from "./embedder";

const embeddingsResponseSchema = z.object({
  data: z.array(z.object({ embedding: z.array(z.number()), index: z.number().int().optional() })),
});

/**
 * Any OpenAI-compatible /v1/embeddings server (llama.cpp, Ollama, TEI, vLLM),
 * behind the `embeddings` breaker. Vectors are L2-normalised so dot product is
 * cosine. The dimension must be declared (EMBEDDINGS_DIMENSION) because it
 * names the collection before the first call; a mismatch is an error, never a
 * silent mix of spaces.
 */
export function openAiEmbedder(
  db: D1Database,
  config: { url: string; model: string; dimension: number; apiKey?: string | undefined },
  breaker: BreakerOptions,
): Embedder {
  return {
    model: config.model,
    dimension: config.dimension,
    async embed(texts) {
      if (texts.length === 0) return [];
      const data = await callWithBreaker(db, "embeddings", breaker, async (signal) => {
        const res = await fetch(joinUrl(config.url, "v1/embeddings"), {
          method: "POST",
          signal,
          redirect: "manual",
          headers: { "Content-Type": "application/json", ...(config.apiKey ? { Authorization: `Bearer ${config.apiKey}` } : {}) },
          body: JSON.stringify({ model: config.model, input: texts }),
        });
        if (!res.ok) throw new Error(`embeddings server answered HTTP ${res.status}`); // redirects included: never followed
        return embeddingsResponseSchema.parse(await res.json()).data;
      });
      if (data.length !== texts.length) throw new Error(`embeddings server returned ${data.length} vectors for ${texts.length} texts`);
      const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      return ordered.map(({ embedding }) => {
        if (embedding.length !== config.dimension) {
          throw new Error(`model ${config.model} returned ${embedding.length} dimensions, configured ${config.dimension}`);
        }
        const v = Float32Array.from(embedding);
        const norm = Math.hypot(...v);
        if (norm === 0) return null;
        return v.map((x) => x / norm);
      });
    },
  };
}

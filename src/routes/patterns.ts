import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { DependencyUnavailableError } from "../adapters/breaker";
import { findPatterns } from "../adapters/pattern-store";
import { planCollections } from "../adapters/vector-collections";
import type { Env } from "../env";
import { PATTERN_KIND } from "../pipeline/extract-patterns";
import { createPatternDeps } from "../pipeline/pattern-deps";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError } from "./errors";
import { boundSearchConcurrency } from "./rate-limit";
import { validationHook } from "./validation";

export const patternRoutes = new Hono<{ Bindings: Env; Variables: ProjectVars }>();

patternRoutes.use("*", requireProjectKey);
patternRoutes.use("/search", boundSearchConcurrency);

/** Most results one search returns. */
const MAX_K = 50;

export const searchSchema = z.strictObject({
  q: z.string().min(1, "must not be empty").max(4000),
  k: z.coerce.number().int().min(1).max(MAX_K).default(5),
  filters: z
    .strictObject({
      source: z.string().min(1).optional(),
      tags: z.array(z.string().min(1)).max(20).optional(),
      min_value: z.number().min(0).max(1).optional(),
    })
    .optional(),
});

export const searchQuerySchema = searchSchema.omit({ filters: true });

async function search(env: Env, project: string, input: z.infer<typeof searchSchema>) {
  const deps = createPatternDeps(env);
  const { read } = await planCollections(env.DB, PATTERN_KIND, deps.embedder.model, deps.embedder.dimension, Date.now());
  try {
    const [vector] = await deps.embedderFor(read).embed([input.q]);
    if (!vector) return { results: [] };
    const [hits = []] = await deps.storeFor(read).searchBatch([
      {
        project,
        vector,
        limit: input.k,
        ...(input.filters
          ? {
              filter: {
                ...(input.filters.source ? { source: input.filters.source } : {}),
                ...(input.filters.tags ? { tags: input.filters.tags } : {}),
                ...(input.filters.min_value !== undefined ? { minValue: input.filters.min_value } : {}),
              },
            }
          : {}),
      },
    ]);
    const patterns = await findPatterns(env.DB, project, hits.map((h) => h.id));
    return {
      collection: read.name,
      results: hits.flatMap((h) => {
        const p = patterns.get(h.id);
        if (!p) return [];
        const { project: _project, seq: _seq, ...pattern } = p;
        return [{ id: h.id, score: h.score, pattern }];
      }),
    };
  } catch (err) {
    if (err instanceof DependencyUnavailableError) {
      throw new ApiError(503, "dependency_unavailable", err.message, null, { "Retry-After": "30" });
    }
    throw err;
  }
}

/** Semantic search for agents doing retrieval: the k patterns nearest in meaning to q. */
patternRoutes.get("/search", zValidator("query", searchQuerySchema, validationHook), async (c) =>
  c.json(await search(c.env, c.get("project"), c.req.valid("query"))),
);

patternRoutes.post("/search", zValidator("json", searchSchema, validationHook), async (c) =>
  c.json(await search(c.env, c.get("project"), c.req.valid("json"))),
);

/** One pattern with its provenance: source events, extractor, whether it awaits re-extraction. */
patternRoutes.get("/:id", async (c) => {
  const id = c.req.param("id");
  const p = (await findPatterns(c.env.DB, c.get("project"), [id])).get(id);
  if (!p) throw new ApiError(404, "not_found", `no pattern '${id}' in this project`);
  const { seq: _seq, ...pattern } = p;
  return c.json(pattern);
});

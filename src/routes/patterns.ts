import { createRoute, z } from "@hono/zod-openapi";
import { DependencyUnavailableError } from "../adapters/breaker";
import { findPatterns } from "../adapters/pattern-store";
import { extractedPatternSchema } from "../domain/patterns/pattern";
import { named } from "../openapi/names";
import { errorResponses, json, jsonBody, requires, routeApp } from "../openapi/route-kit";
import type { PatternDeps } from "../pipeline/extract-patterns";
import { type PatternQuery, searchPatterns } from "../pipeline/search-patterns";
import { patternDeps } from "../wiring";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError } from "./errors";
import { boundSearchConcurrency } from "./rate-limit";

/** Most results one search returns. */
const MAX_K = 50;

const searchSchema = named(
  z.strictObject({
    q: z.string().min(1, "must not be empty").max(4000),
    k: z.coerce.number().int().min(1).max(MAX_K).default(5),
    filters: z
      .strictObject({
        source: z.string().min(1).optional(),
        tags: z.array(z.string().min(1)).max(20).optional(),
        min_value: z.number().min(0).max(1).optional(),
      })
      .optional(),
  }),
  "PatternSearch",
);

const searchQuerySchema = searchSchema.omit({ filters: true });

/** A pattern as search returns it (src/adapters/pattern-store.ts, without project and seq). */
const patternSchema = named(
  extractedPatternSchema.extend({
    id: z.string(),
    schema_version: z.number().int(),
    extractor: z.enum(["heuristic", "llm"]),
    needs_reextract: z.boolean().describe("a fallback pattern waiting for the LLM extractor"),
    value: z.number().nullable(),
    source: z.string(),
    tags: z.array(z.string()),
    source_event_ids: z.array(z.string()),
  }),
  "Pattern",
);

const searchResultsSchema = named(
  z.strictObject({
    collection: z.string().optional().describe("the vector collection searched; absent when the query could not be embedded"),
    results: z.array(z.strictObject({ id: z.string(), score: z.number(), pattern: patternSchema })),
  }),
  "PatternSearchResults",
);

const SEARCH_ERRORS = {
  400: "a field fails PatternSearch (`validation_failed`, `details.errors` names each)",
  429: "this key's search rate limit is spent (`rate_limited`, reason `rate`), or too many searches are in flight for this project or here (reason `concurrency`): retry after Retry-After seconds",
  503: "the embedder or vector store is unavailable (`dependency_unavailable`); retry after Retry-After",
} as const;

const searchByQuery = createRoute({
  method: "get",
  path: "/search",
  tags: ["patterns"],
  summary: "Search patterns by meaning",
  ...requires("project"),
  request: { query: searchQuerySchema },
  responses: {
    200: json("the k patterns nearest to q, best first", searchResultsSchema),
    ...errorResponses("project", SEARCH_ERRORS),
  },
});

const searchByBody = createRoute({
  method: "post",
  path: "/search",
  tags: ["patterns"],
  summary: "Search patterns by meaning, with filters",
  ...requires("project"),
  request: {
    body: jsonBody(searchSchema, {
      plain: { summary: "the five nearest", value: { q: "journald fills the disk", k: 5 } },
      filtered: {
        summary: "from one source and tag, valuable ones only",
        value: { q: "journald fills the disk", k: 5, filters: { source: "my-agent", tags: ["debugging"], min_value: 0.8 } },
      },
    }),
  },
  responses: {
    200: json("the k patterns nearest to q that pass the filters", searchResultsSchema),
    ...errorResponses("project", {
      ...SEARCH_ERRORS,
      400: "not strict JSON (`invalid_json`, `duplicate_key`, …), or a field fails PatternSearch (`validation_failed`, `details.errors` names each)",
      413: "the body is over MAX_CONTROL_BODY_BYTES",
      415: "not application/json",
    }),
  },
});

const readPattern = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["patterns"],
  summary: "A pattern with its provenance",
  ...requires("project"),
  request: { params: z.object({ id: z.string().min(1).describe("pattern id (pat_…)") }) },
  responses: {
    200: json("the pattern, its source events and extractor", patternSchema.extend({ project: z.string() })),
    ...errorResponses("project", { 404: "no such pattern in this project" }),
  },
});

export const patternRoutes = routeApp<ProjectVars>();

patternRoutes.use("*", requireProjectKey);
patternRoutes.use("/search", boundSearchConcurrency);

/** Semantic search for agents doing retrieval: the k patterns nearest in meaning to q; 503 while the embedder or vector store is down. */
async function search(deps: PatternDeps, project: string, query: PatternQuery) {
  try {
    return await searchPatterns(deps, project, query, Date.now());
  } catch (err) {
    if (err instanceof DependencyUnavailableError) {
      throw new ApiError(503, { code: "dependency_unavailable", message: err.message, headers: { "Retry-After": "30" }, cause: err });
    }
    throw err;
  }
}

patternRoutes.openapi(searchByQuery, async (c) => c.json(await search(patternDeps(c.env, c.get("config")), c.get("project"), c.req.valid("query")), 200));

patternRoutes.openapi(searchByBody, async (c) => c.json(await search(patternDeps(c.env, c.get("config")), c.get("project"), c.req.valid("json")), 200));

/** One pattern with its provenance: source events, extractor, whether it awaits re-extraction. */
patternRoutes.openapi(readPattern, async (c) => {
  const { id } = c.req.valid("param");
  const p = (await findPatterns(c.env.DB, c.get("project"), [id])).get(id);
  if (!p) throw new ApiError(404, "not_found", `no pattern '${id}' in this project`);
  const { seq: _seq, ...pattern } = p;
  return c.json(pattern, 200);
});

import { createRoute, z } from "@hono/zod-openapi";
import { DependencyUnavailableError } from "../adapters/breaker";
import { findPatterns, listPatterns, publicPattern, type PatternListCursor, type PatternSort } from "../adapters/pattern-store";
import { extractedPatternSchema, MAX_LISTED_SOURCES } from "../domain/patterns/pattern";
import { named } from "../openapi/names";
import { errorResponses, json, jsonBody, requires, routeApp } from "../openapi/route-kit";
import { isoTime } from "../openapi/shared";
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
        min_support: z.number().int().min(1).optional().describe("only patterns merged from at least this many distinct events"),
      })
      .optional(),
  }),
  "PatternSearch",
);

const searchQuerySchema = searchSchema.omit({ filters: true }).extend({
  min_support: z.coerce.number().int().min(1).optional().describe("only patterns merged from at least this many distinct events"),
});

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
    source_event_ids: z
      .array(z.string())
      .describe(`the distinct events merged into this pattern, oldest first (at most ${MAX_LISTED_SOURCES}; support counts them all)`),
    support: z.number().int().min(1).describe("number of distinct source events merged into this pattern"),
    quality: z.number().min(0).max(1).nullable().describe("mean of the sources' score values; null when none was known"),
    exemplar_event_id: z.string().nullable().describe("the source with the highest value: the pattern's problem, approach and lesson are its"),
    first_seen: isoTime.nullable().describe("event time of the earliest source"),
    last_seen: isoTime.nullable().describe("event time of the latest source"),
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

/** Most patterns one page of GET /v1/patterns holds. */
const LIST_MAX = 200;

const SORTS = ["support", "quality", "last_seen"] as const satisfies readonly PatternSort[];

/** The opaque cursor: base64url of [sort, key of the page's last pattern, its seq]. */
function encodeCursor(sort: PatternSort, after: PatternListCursor): string {
  return btoa(JSON.stringify([sort, after.key, after.seq]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function decodeCursor(text: string): { sort: PatternSort; after: PatternListCursor } | null {
  try {
    const [sort, key, seq] = JSON.parse(atob(text.replace(/-/g, "+").replace(/_/g, "/"))) as unknown[];
    if (!SORTS.includes(sort as PatternSort) || !(key === null || typeof key === "number") || !Number.isSafeInteger(seq)) return null;
    return { sort: sort as PatternSort, after: { key, seq: seq as number } };
  } catch {
    return null;
  }
}

const listQuerySchema = z.object({
  source: z.string().min(1).max(200).optional().describe("only patterns whose exemplar came from this source"),
  tag: z.string().min(1).max(100).optional().describe("only patterns with this tag"),
  min_support: z.coerce.number().int().min(1).optional().describe("only patterns merged from at least this many distinct events"),
  min_quality: z.coerce.number().min(0).max(1).optional().describe("only patterns whose quality is at least this"),
  sort: z.enum(SORTS).default("support").describe("descending; ties newest first, unknown quality last (default support)"),
  limit: z.coerce.number().int().min(1).max(LIST_MAX).default(50).describe(`patterns a page holds, 1-${LIST_MAX} (default 50)`),
  cursor: z
    .string()
    .max(200)
    .refine((c) => decodeCursor(c) !== null, { message: "must be a next_cursor this route answered" })
    .optional()
    .describe("opaque: the previous page's next_cursor (with the same sort)"),
});

const patternListSchema = named(
  z.strictObject({
    patterns: z.array(patternSchema),
    next_cursor: z.string().nullable().describe("pass as cursor for the next page; null on the last page"),
  }),
  "PatternList",
);

const listPatternsRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["patterns"],
  summary: "List patterns, by support, quality or recency",
  description: "A project's consolidated patterns, filtered and sorted (descending), a page at a time. docs/patterns.md explains support and quality.",
  ...requires("project"),
  request: { query: listQuerySchema },
  responses: {
    200: json("a page of patterns", patternListSchema),
    ...errorResponses("project", {
      400: "a filter out of range, an unknown sort, a limit outside 1-200, or a cursor this route did not answer or answered for another sort (`validation_failed`, naming the field)",
    }),
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

/** The patterns of a project, filtered, by support, quality or last seen, keyset-paged. */
patternRoutes.openapi(listPatternsRoute, async (c) => {
  const q = c.req.valid("query");
  const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
  if (cursor && cursor.sort !== q.sort) {
    const errors = [{ path: "cursor", message: `was answered for sort=${cursor.sort}, not sort=${q.sort}` }];
    throw new ApiError(400, "validation_failed", `cursor: ${errors[0]?.message}`, { errors });
  }
  const page = await listPatterns(c.env.DB, c.get("project"), {
    source: q.source,
    tag: q.tag,
    minSupport: q.min_support,
    minQuality: q.min_quality,
    sort: q.sort,
    limit: q.limit,
    after: cursor?.after,
  });
  return c.json({ patterns: page.patterns.map(publicPattern), next_cursor: page.next ? encodeCursor(q.sort, page.next) : null }, 200);
});

/** One pattern with its provenance and consolidation: source events, support, quality, exemplar, extractor. */
patternRoutes.openapi(readPattern, async (c) => {
  const { id } = c.req.valid("param");
  const p = (await findPatterns(c.env.DB, c.get("project"), [id])).get(id);
  if (!p) throw new ApiError(404, "not_found", `no pattern '${id}' in this project`);
  return c.json({ ...publicPattern(p), project: p.project }, 200);
});

import { z } from "zod";
import { extractedPatternSchema } from "../../domain/patterns/pattern";
import { searchQuerySchema, searchSchema } from "../../routes/patterns";
import { named } from "../names";
import type { Operation } from "../operation";

named(searchSchema, "PatternSearch");

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

const SEARCH_ERRORS = { 400: "validation_failed", 503: "the embedder or vector store is unavailable (`dependency_unavailable`); retry after Retry-After" };

export const patternOperations: Operation[] = [
  {
    method: "get",
    path: "/v1/patterns/search",
    tag: "patterns",
    summary: "Search patterns by meaning",
    auth: "project",
    query: searchQuerySchema,
    responses: { 200: { description: "the k patterns nearest to q, best first", schema: searchResultsSchema } },
    errors: SEARCH_ERRORS,
  },
  {
    method: "post",
    path: "/v1/patterns/search",
    tag: "patterns",
    summary: "Search patterns by meaning, with filters",
    auth: "project",
    body: [
      {
        schema: searchSchema,
        examples: {
          plain: { summary: "the five nearest", value: { q: "journald fills the disk", k: 5 } },
          filtered: {
            summary: "from one source and tag, valuable ones only",
            value: { q: "journald fills the disk", k: 5, filters: { source: "my-agent", tags: ["debugging"], min_value: 0.8 } },
          },
        },
      },
    ],
    responses: { 200: { description: "the k patterns nearest to q that pass the filters", schema: searchResultsSchema } },
    errors: SEARCH_ERRORS,
  },
  {
    method: "get",
    path: "/v1/patterns/{id}",
    tag: "patterns",
    summary: "A pattern with its provenance",
    auth: "project",
    params: z.object({ id: z.string().min(1).describe("pattern id (pat_…)") }),
    responses: { 200: { description: "the pattern, its source events and extractor", schema: patternSchema.extend({ project: z.string() }) } },
    errors: { 404: "no such pattern in this project" },
  },
];

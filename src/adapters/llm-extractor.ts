import { z } from "zod";
import type { InteractionFacts } from "../domain/patterns/heuristic-extractor";
import { extractedPatternSchema, type ExtractedPattern } from "../domain/patterns/pattern";
import { callWithBreaker, type BreakerOptions } from "./breaker";
import { joinUrl } from "./join-url";

const SYSTEM_PROMPT = `You distil one interaction of an AI agent into a reusable pattern.
The interaction is the best of a group of similar ones; "supporting_queries" (when present) are other queries the same approach answered.
Answer with one JSON object and nothing else, with exactly these keys:
"problem" (the general problem, one sentence, covering the supporting queries), "approach" (what solved it), "steps" (array of short strings),
"skills" (array of short skill names), "lesson" (what was done and when to do it again, one or two sentences).`;

/** Most supporting queries sent with the exemplar. */
export const MAX_SUPPORTING_QUERIES = 3;

const choiceSchema = z.object({ message: z.object({ content: z.string() }) });
/** At least one choice: a tuple with a rest, so the first one's type is not `| undefined`. */
const chatResponseSchema = z.object({ choices: z.tuple([choiceSchema], choiceSchema) });

/** Pulls the JSON object out of a model answer (models sometimes wrap it in a code fence). */
function parseJsonObject(content: string): unknown {
  const start = content.indexOf("{");
  const end = content.lastIndexOf("}");
  if (start < 0 || end <= start) throw new Error("LLM answer holds no JSON object");
  return JSON.parse(content.slice(start, end + 1));
}

/**
 * Extracts a pattern with any OpenAI-compatible /v1/chat/completions server
 * (llama.cpp, Ollama, vLLM), behind the `llm` breaker, from a pattern's
 * exemplar and up to {@link MAX_SUPPORTING_QUERIES} queries of its other
 * sources. Its JSON is validated; a malformed answer is a failure like a 500.
 */
export async function extractWithLlm(
  db: D1Database,
  config: { url: string; model: string; apiKey?: string | undefined },
  breaker: BreakerOptions,
  facts: InteractionFacts,
  supportingQueries: readonly string[] = [],
): Promise<ExtractedPattern> {
  const supporting = [...new Set(supportingQueries.filter((q) => q !== facts.query))].slice(0, MAX_SUPPORTING_QUERIES).map((q) => q.slice(0, 2000));
  return callWithBreaker(db, "llm", breaker, async (signal) => {
    const res = await fetch(joinUrl(config.url, "v1/chat/completions"), {
      method: "POST",
      signal,
      redirect: "manual",
      headers: { "Content-Type": "application/json", ...(config.apiKey ? { Authorization: `Bearer ${config.apiKey}` } : {}) },
      body: JSON.stringify({
        model: config.model,
        temperature: 0,
        response_format: { type: "json_object" },
        messages: [
          { role: "system", content: SYSTEM_PROMPT },
          {
            role: "user",
            content: JSON.stringify({
              type: facts.type,
              query: facts.query,
              response: facts.response,
              outcome: facts.outcome,
              tool_calls: facts.toolCalls,
              tools: facts.tools,
              ...(supporting.length ? { supporting_queries: supporting } : {}),
            }),
          },
        ],
      }),
    });
    if (!res.ok) throw new Error(`LLM answered HTTP ${res.status}`); // redirects included: never followed
    const body = chatResponseSchema.parse(await res.json());
    const [first] = body.choices;
    return extractedPatternSchema.parse(parseJsonObject(first.message.content));
  });
}

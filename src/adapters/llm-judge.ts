import { z } from "zod";
import { type JudgedConversation, JUDGE_SYSTEM_PROMPT, type JudgeVerdict, judgeVerdictSchema } from "../domain/scoring/judge-rubrics";
import { type BreakerOptions, callWithBreaker } from "./breaker";
import { joinUrl } from "./join-url";

/** The judge's breaker: its own, so a slow judge never opens the extractor's (`llm`) circuit. */
export const JUDGE_DEPENDENCY = "judge";

/** Where the LLM judge is: an OpenAI-compatible /v1/chat/completions server and the model to ask. */
export interface JudgeConfig {
  url: string;
  model: string;
  apiKey?: string | undefined;
}

const choiceSchema = z.object({ message: z.object({ content: z.string() }) });
const chatResponseSchema = z.object({ choices: z.tuple([choiceSchema], choiceSchema) });

/** A well-formed verdict, or why the answer was not one (no verdict is made up from it). */
export type JudgeOutcome = { verdict: JudgeVerdict } | { malformed: string };

/** The verdict in a model answer: its JSON object (a code fence around it is tolerated), checked strictly. */
export function parseVerdict(content: string): JudgeOutcome {
  const start = content.indexOf("{");
  const end = content.lastIndexOf("}");
  if (start < 0 || end <= start) return { malformed: "the answer holds no JSON object" };
  let value: unknown;
  try {
    value = JSON.parse(content.slice(start, end + 1));
  } catch {
    return { malformed: "the answer's JSON does not parse" };
  }
  const parsed = judgeVerdictSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { malformed: `the verdict does not match the schema: ${issue?.path.join(".") || "(root)"}: ${issue?.message}` };
  }
  return { verdict: parsed.data };
}

/**
 * Asks the judge for one verdict, behind the `judge` breaker with the outbound timeout. A
 * network error, a timeout or an HTTP error rejects (and counts against the breaker): the work
 * waits. An answer that arrives but is no verdict is `malformed`: the server is up, so the
 * breaker stays closed, and the caller keeps the heuristic's quality.
 */
export async function judgeWithLlm(
  db: D1Database,
  config: JudgeConfig,
  breaker: BreakerOptions,
  rubric: string,
  conversation: JudgedConversation,
): Promise<JudgeOutcome> {
  const content = await callWithBreaker(db, JUDGE_DEPENDENCY, breaker, async (signal) => {
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
          { role: "system", content: JUDGE_SYSTEM_PROMPT },
          { role: "user", content: JSON.stringify({ rubric, ...conversation }) },
        ],
      }),
    });
    if (!res.ok) throw new Error(`judge answered HTTP ${res.status}`); // redirects included: never followed
    const body = chatResponseSchema.safeParse(await res.json().catch(() => null));
    return body.success ? body.data.choices[0].message.content : null;
  });
  return content === null ? { malformed: "the answer is not a chat completion" } : parseVerdict(content);
}

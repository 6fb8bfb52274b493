import { z } from "zod";
import { messageText } from "../conversation";
import type { Message } from "../event-schema";
import type { QualityInput } from "./answer-quality";
import { DEFAULT_PROFILE } from "./profiles";

/**
 * The optional LLM judge of answer quality (docs/answer-quality.md): what it is asked, per
 * weight profile, and what it must answer. Pure: the call is src/adapters/llm-judge.ts.
 */

/** The instructions every rubric is sent with. */
export const JUDGE_SYSTEM_PROMPT = `You judge the quality of one answer an AI assistant gave.
You get a rubric and the conversation: the user's last request, the answer, and a summary of the tool calls.
Answer with one JSON object and nothing else, with exactly these keys:
"quality" (a number from 0 to 1: how well the answer serves the request under the rubric),
"non_answer" (true when the answer does not answer at all: a refusal, "I am not sure", an error, a placeholder),
"reason" (why, one short sentence, at most 300 characters).`;

/** One rubric per seeded weight profile; a profile without its own is judged by `default`'s. */
export const JUDGE_RUBRICS: Readonly<Record<string, string>> = {
  default:
    "A good answer addresses the request directly, is correct and specific, and could be reused by someone with the same request. Vague, evasive or generic answers score low.",
  code_generation:
    "A good answer gives working, complete code that does what was asked, in the language and style of the request, with the key steps explained briefly. Pseudo-code, placeholders or code that cannot run score low.",
  documentation:
    "A good answer explains accurately and clearly, in well-organised prose, what the reader asked about, with an example where it helps. Answers that restate the question or pad without content score low.",
  debugging:
    "A good answer identifies the likely cause of the failure from the evidence given and says how to fix or confirm it. Guesses unrelated to the evidence, or advice to just retry, score low.",
};

/** The rubric a profile's events are judged by. */
export function rubricFor(profile: string): string {
  return JUDGE_RUBRICS[profile] ?? (JUDGE_RUBRICS[DEFAULT_PROFILE] as string);
}

/** Most characters of the request and of the answer sent to the judge (head and tail are kept). */
export const JUDGE_TEXT_CHARS = 4000;
/** Most tool names listed in the tool calls summary. */
export const JUDGE_TOOL_NAMES = 20;

function bounded(text: string, max = JUDGE_TEXT_CHARS): string {
  if (text.length <= max) return text;
  const half = Math.floor((max - 5) / 2);
  return `${text.slice(0, half)} […] ${text.slice(text.length - half)}`;
}

function lastTextOf(messages: readonly Message[], role: Message["role"]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== role) continue;
    const text = messageText(m);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** What the judge is sent of one event: the last user text, the answer and a tool calls summary, each bounded. */
export interface JudgedConversation {
  request: string;
  answer: string;
  tool_calls: { count: number; names: string[]; failed_results: number };
}

/**
 * The conversation as the judge sees it, or undefined when there is no answer to judge.
 * `toolCalls` is the event's `attributes.tool_calls` count, used when the messages name none.
 */
export function judgedConversationOf(input: QualityInput, toolCalls?: number): JudgedConversation | undefined {
  const messages = input.messages ?? [];
  const answer = input.response ?? lastTextOf(messages, "assistant");
  if (answer === undefined || answer.trim() === "") return undefined;
  const request = lastTextOf(messages, "user") ?? input.query ?? "";
  const names = messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []).map((c) => c.function.name) : []));
  const failed = messages.filter((m) => m.role === "tool" && /^\s*(error|exception|traceback|failed)\b/i.test(messageText(m) ?? "")).length;
  return {
    request: bounded(request),
    answer: bounded(answer),
    tool_calls: { count: names.length || (toolCalls ?? 0), names: [...new Set(names)].slice(0, JUDGE_TOOL_NAMES), failed_results: failed },
  };
}

/** The text the content hash covers (with the model and the rubric): the verdict is cached by it. */
export function judgeCacheKey(model: string, rubric: string, conversation: JudgedConversation): string {
  return JSON.stringify([model, rubric, conversation]);
}

/** The judge's answer, strict: anything else (extra keys, out-of-range quality, a long reason) is malformed. */
export const judgeVerdictSchema = z.strictObject({
  quality: z.number().min(0).max(1),
  non_answer: z.boolean(),
  reason: z.string().max(300),
});

export type JudgeVerdict = z.infer<typeof judgeVerdictSchema>;

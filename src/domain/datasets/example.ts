import type { StoredEvent } from "../event-schema";
import { containsScrubbedText } from "../redaction";
import { contentOf } from "../text-content";
import type { DatasetRules } from "./rules";

/** One OpenAI chat fine-tuning record. */
export interface ChatExample {
  messages: [{ role: "system"; content: string }, { role: "user"; content: string }, { role: "assistant"; content: string }];
}

export type ExampleDecision = { example: ChatExample } | { skip: string };

/**
 * Turns a scored interaction into a chat example, or says why not. Text that
 * was hashed or redacted (anywhere in it) never becomes an example.
 */
export function buildExample(event: StoredEvent, score: { value: number | null; confidence: number; profile: string }, rules: DatasetRules): ExampleDecision {
  if (score.value === null || score.value < rules.min_value) return { skip: "value below the minimum" };
  if (score.confidence < rules.min_confidence) return { skip: "confidence below the minimum" };
  if (!rules.outcomes.includes(event.outcome ?? "unknown")) return { skip: `outcome ${event.outcome ?? "unknown"} not selected` };
  if (rules.sources && !rules.sources.includes(event.source)) return { skip: "source not selected" };
  if (rules.profiles && !rules.profiles.includes(score.profile)) return { skip: "profile not selected" };
  const user = contentOf(event.query);
  const assistant = contentOf(event.response);
  if (user === undefined || assistant === undefined) return { skip: "no query and response text" };
  if (containsScrubbedText(user) || containsScrubbedText(assistant)) return { skip: "text was hashed or redacted" };
  return {
    example: {
      messages: [
        { role: "system", content: rules.system_prompt },
        { role: "user", content: user },
        { role: "assistant", content: assistant },
      ],
    },
  };
}

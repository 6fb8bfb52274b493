import { messageText, withMessages } from "../conversation";
import type { Message, StoredEvent, Tool } from "../event-schema";
import { containsScrubbedText } from "../redaction";
import { canonicalJson } from "./canonical";
import { checkChatExample } from "./format-check";
import type { DatasetRules } from "./rules";

/** One message of an example, in OpenAI's chat shape. */
export type ChatMessage = Message;

/** One OpenAI chat fine-tuning record: the whole conversation, the tools offered and, when known, `parallel_tool_calls`. */
export interface ChatExample {
  messages: ChatMessage[];
  tools?: Tool[];
  parallel_tool_calls?: boolean;
}

/** What the store keeps beside an example: its first user text, the source and model, and the events it came from. */
export interface ExampleMeta {
  first_user: string;
  source: string;
  model: string | null;
  source_event_ids: string[];
}

export type ExampleDecision = { example: ChatExample; meta: ExampleMeta } | { skip: string };

/** The score of the event (for a session: its last event) an example is judged by. */
export interface ExampleScore {
  value: number | null;
  confidence: number;
  profile: string;
  non_answer: boolean;
}

/** An event's conversation, `developer` messages written as `system` (OpenAI's fine-tuning format has no developer role). */
function conversationOf(event: StoredEvent): ChatMessage[] {
  const messages = withMessages(event).messages ?? [];
  return messages.map((m) => (m.role === "developer" ? { ...m, role: "system" as const } : m));
}

/**
 * Merges the conversations of a session's events, in order. Each LLM call of
 * an agent run usually repeats the history before its new turns, so each next
 * conversation adds only what follows its longest common prefix with the
 * merged one (messages compared as canonical JSON); an event that carries only
 * its own turns (no history) adds them all.
 */
export function mergeConversations(conversations: readonly (readonly ChatMessage[])[]): ChatMessage[] {
  const merged: ChatMessage[] = [];
  const keys: string[] = [];
  for (const conversation of conversations) {
    let common = 0;
    while (common < conversation.length && common < merged.length && canonicalJson(conversation[common]) === keys[common]) common++;
    for (const m of conversation.slice(common)) {
      merged.push(m);
      keys.push(canonicalJson(m));
    }
  }
  return merged;
}

/** The tools of the events, each function name once (its first definition), in order of first appearance. */
function toolsOf(events: readonly StoredEvent[]): Tool[] | undefined {
  const byName = new Map<string, Tool>();
  for (const e of events) for (const t of e.tools ?? []) if (!byName.has(t.function.name)) byName.set(t.function.name, t);
  return byName.size > 0 ? [...byName.values()] : undefined;
}

function parallelToolCallsOf(events: readonly StoredEvent[]): boolean | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const v = events[i]?.attributes?.parallel_tool_calls;
    if (typeof v === "boolean") return v;
  }
  return undefined;
}

/**
 * Turns a scored interaction into a chat example, or says why not. `events`
 * is one event, or (`rules.unit === "session"`) a session's events in server
 * order, upcast to v2; the score and outcome are those of the last one. The
 * example is the whole conversation (every message in order, the tools
 * offered, `attributes.parallel_tool_calls` when a boolean), with the rules'
 * system prompt prepended only when it has no system message. It must end on
 * an assistant message and pass {@link checkChatExample}. Hashed or redacted
 * text anywhere skips it unless the rules say `redacted: "keep_placeholders"`.
 */
export function buildExample(events: readonly StoredEvent[], score: ExampleScore, rules: DatasetRules): ExampleDecision {
  const last = events.at(-1);
  if (!last) return { skip: "no events" };
  if (score.value === null || score.value < rules.min_value) return { skip: "value below the minimum" };
  if (score.confidence < rules.min_confidence) return { skip: "confidence below the minimum" };
  if (!rules.outcomes.includes(last.outcome ?? "unknown")) return { skip: `outcome ${last.outcome ?? "unknown"} not selected` };
  if (rules.sources && !rules.sources.includes(last.source)) return { skip: "source not selected" };
  if (rules.profiles && !rules.profiles.includes(score.profile)) return { skip: "profile not selected" };
  if (score.non_answer) return { skip: "the answer is a non-answer" };
  const conversation = mergeConversations(events.map(conversationOf));
  if (conversation.length === 0) return { skip: "no conversation" };
  if (conversation.at(-1)?.role !== "assistant") return { skip: "does not end with an assistant answer" };
  const messages = conversation.some((m) => m.role === "system") ? conversation : [{ role: "system" as const, content: rules.system_prompt }, ...conversation];
  const tools = toolsOf(events);
  const parallel = parallelToolCallsOf(events);
  const example: ChatExample = { messages, ...(tools ? { tools } : {}), ...(parallel !== undefined ? { parallel_tool_calls: parallel } : {}) };
  if (rules.redacted === "exclude" && containsScrubbedText(JSON.stringify(example))) return { skip: "text was hashed or redacted" };
  const check = checkChatExample(example, { maxTokens: rules.max_tokens });
  if (!check.ok) {
    const [first] = check.errors;
    if (first?.rule === "too_many_tokens") return { skip: `too many tokens: ${first.message}` };
    return { skip: `format: ${first?.rule ?? "invalid"} at ${first?.path ?? ""}: ${first?.message ?? ""}` };
  }
  let firstUser = "";
  for (const m of messages) {
    if (m.role !== "user") continue;
    const text = messageText(m);
    if (text !== undefined) {
      firstUser = text;
      break;
    }
  }
  return {
    example,
    meta: { first_user: firstUser, source: last.source, model: last.model ?? null, source_event_ids: events.map((e) => e.id) },
  };
}

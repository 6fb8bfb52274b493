import { messageText } from "../conversation";
import type { Tool } from "../event-schema";
import type { ChatExample, ChatMessage } from "./example";
import type { PreferencePair } from "./preference";
import type { Split } from "./split";

/** Export formats of one immutable snapshot: the same rows, shaped for different tools. */
export const EXPORT_FORMATS = ["openai-chat", "openai-preference", "trl-preference", "sharegpt", "retrieval"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A stored row is a chat example or a preference pair. */
export type ExampleKind = "chat" | "pair";

const FORMATS_BY_KIND: Record<ExampleKind, readonly ExportFormat[]> = {
  chat: ["openai-chat", "sharegpt", "retrieval"],
  pair: ["openai-preference", "trl-preference"],
};

/** The formats rows of a kind export to. */
export function formatsFor(kind: ExampleKind): readonly ExportFormat[] {
  return FORMATS_BY_KIND[kind];
}

/** The kind of rows a format exports. */
export function kindOf(format: ExportFormat): ExampleKind {
  return FORMATS_BY_KIND.chat.includes(format) ? "chat" : "pair";
}

export interface ExampleRow {
  /** As stored: a {@link ChatExample} JSON (chat), or a {@link PreferencePair} JSON without `source_event_ids` (pair). */
  line: string;
  content_hash: string;
  event_id: string;
  kind: ExampleKind;
  split: Split;
}

/** A stored pair row. */
export type StoredPair = Omit<PreferencePair, "source_event_ids">;

type ShareGptTurn = { from: "human" | "gpt" | "function_call" | "observation"; value: string };

function textOf(m: ChatMessage): string {
  return messageText(m) ?? "";
}

function parsedArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * ShareGPT as LLaMA-Factory reads it (`formatting: sharegpt` with the
 * `function_call` and `observation` tags): system and developer texts go to
 * `system`; user → `human`; an assistant text → `gpt`; an assistant's tool
 * calls → one `function_call` turn whose value is the JSON `{"name",
 * "arguments"}` (arguments parsed) or an array of them for several calls (the
 * text beside calls is dropped: the turn is the call); consecutive tool results
 * → one `observation` (the text, or a JSON array of texts); consecutive
 * user or assistant texts are joined with a blank line. `tools` is the JSON
 * text of the function definitions (`{name, description, parameters}`).
 * LLaMA-Factory wants human/observation at odd and gpt/function_call at even
 * positions and an even number of turns: a conversation that cannot be written
 * so gives undefined.
 */
export function toShareGpt(example: ChatExample): Record<string, unknown> | undefined {
  const system: string[] = [];
  const turns: ShareGptTurn[] = [];
  const push = (from: ShareGptTurn["from"], value: string) => {
    const prev = turns.at(-1);
    if (prev && prev.from === from && (from === "human" || from === "gpt")) prev.value = `${prev.value}\n\n${value}`;
    else turns.push({ from, value });
  };
  const observations: string[] = [];
  const flush = () => {
    if (observations.length === 0) return;
    turns.push({ from: "observation", value: observations.length === 1 ? (observations[0] ?? "") : JSON.stringify(observations) });
    observations.length = 0;
  };
  for (const m of example.messages) {
    if (m.role === "tool") {
      observations.push(textOf(m));
      continue;
    }
    flush();
    if (m.role === "system" || m.role === "developer") system.push(textOf(m));
    else if (m.role === "user") push("human", textOf(m));
    else if (m.tool_calls && m.tool_calls.length > 0) {
      const calls = m.tool_calls.map((c) => ({ name: c.function.name, arguments: parsedArguments(c.function.arguments) }));
      push("function_call", JSON.stringify(calls.length === 1 ? calls[0] : calls));
    } else push("gpt", textOf(m));
  }
  flush();
  const odd = new Set(["human", "observation"]);
  if (turns.length === 0 || turns.length % 2 !== 0) return undefined;
  if (turns.some((t, i) => odd.has(t.from) !== (i % 2 === 0))) return undefined;
  const tools = example.tools?.map((t: Tool) => t.function);
  return {
    conversations: turns,
    ...(system.length > 0 ? { system: system.join("\n\n") } : {}),
    ...(tools && tools.length > 0 ? { tools: JSON.stringify(tools) } : {}),
  };
}

function finalAnswer(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== "assistant") continue;
    const text = messageText(m);
    if (text !== undefined) return text;
  }
  return "";
}

function firstUser(messages: readonly ChatMessage[]): string {
  for (const m of messages) {
    if (m.role !== "user") continue;
    const text = messageText(m);
    if (text !== undefined) return text;
  }
  return "";
}

/**
 * One JSONL line in the asked format, or undefined when the format does not
 * apply to the row's kind (or, for ShareGPT, the conversation cannot be
 * written in it). Chat rows: `openai-chat` (the line as stored), `sharegpt`
 * ({@link toShareGpt}), `retrieval` (first user text and final answer as one
 * passage, with metadata, for RAG). Pair rows: `openai-preference` (OpenAI's
 * preference (DPO) fine-tuning format: `input`, `preferred_output`,
 * `non_preferred_output`) and `trl-preference` (TRL's conversational
 * preference format: `prompt`, `chosen`, `rejected`, with `tools` when offered).
 */
export function formatExample(row: ExampleRow, format: ExportFormat, meta: { dataset: string; version: number }): string | undefined {
  if (kindOf(format) !== row.kind) return undefined;
  if (format === "openai-chat") return row.line;
  if (row.kind === "pair") {
    const pair = JSON.parse(row.line) as StoredPair;
    if (format === "openai-preference") {
      return JSON.stringify({ input: pair.input, preferred_output: pair.preferred_output, non_preferred_output: pair.non_preferred_output });
    }
    return JSON.stringify({
      prompt: pair.input.messages,
      chosen: pair.preferred_output,
      rejected: pair.non_preferred_output,
      ...(pair.input.tools && pair.input.tools.length > 0 ? { tools: pair.input.tools } : {}),
    });
  }
  const example = JSON.parse(row.line) as ChatExample;
  if (format === "sharegpt") {
    const record = toShareGpt(example);
    return record ? JSON.stringify(record) : undefined;
  }
  const question = firstUser(example.messages);
  const answer = finalAnswer(example.messages);
  return JSON.stringify({
    id: row.content_hash,
    text: `${question}\n\n${answer}`,
    metadata: { question, dataset: meta.dataset, version: meta.version, source_event_id: row.event_id, content_hash: row.content_hash, split: row.split },
  });
}

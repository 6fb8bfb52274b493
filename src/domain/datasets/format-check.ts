import type { ChatExample, ChatMessage } from "./example";

/**
 * A checker of OpenAI's chat fine-tuning format (supervised method), written
 * from its published rules; every export passes through it. docs/datasets.md
 * lists the rules. Each error names its rule, where it is (`messages[3].content`)
 * and what is wrong.
 */
export interface FormatError {
  rule: string;
  path: string;
  message: string;
}

export type FormatCheck = { ok: true; tokens: number } | { ok: false; errors: FormatError[] };

/** The roles OpenAI's chat fine-tuning accepts (it has no `developer` role: such messages are written as `system`). */
export const FINE_TUNING_ROLES = ["system", "user", "assistant", "tool"] as const;

/** A function name as OpenAI accepts it. */
export const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Overhead the token estimate counts per message (role and separators) and per example (reply priming). */
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_EXAMPLE = 3;

function contentChars(content: ChatMessage["content"]): number {
  if (typeof content === "string") return content.length;
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) n += part.type === "text" && typeof part.text === "string" ? part.text.length : JSON.stringify(part).length;
  return n;
}

/**
 * An estimate of the tokens an example trains on, without a tokenizer: about
 * four characters a token. Per message: 4 + ceil(characters / 4), where the
 * characters are its text (non-text parts count as their JSON), its name and
 * its tool calls' names and arguments; plus ceil(characters of the tools' JSON
 * / 4) and 3 for the example. It overestimates English prose slightly and
 * underestimates dense code or non-Latin text; the maximum is a guard, not a
 * bill.
 */
export function estimateTokens(example: ChatExample): number {
  let tokens = TOKENS_PER_EXAMPLE;
  for (const m of example.messages) {
    let chars = contentChars(m.content) + (m.name?.length ?? 0);
    for (const call of m.tool_calls ?? []) chars += call.function.name.length + call.function.arguments.length;
    tokens += TOKENS_PER_MESSAGE + Math.ceil(chars / 4);
  }
  if (example.tools && example.tools.length > 0) tokens += Math.ceil(JSON.stringify(example.tools).length / 4);
  return tokens;
}

function hasContent(content: ChatMessage["content"]): boolean {
  if (typeof content === "string") return content.trim() !== "";
  return Array.isArray(content) && content.length > 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkTools(tools: unknown, errors: FormatError[]): void {
  if (tools === undefined) return;
  if (!Array.isArray(tools)) {
    errors.push({ rule: "tool_definition", path: "tools", message: "must be an array of tool definitions" });
    return;
  }
  const names = new Set<string>();
  tools.forEach((tool: unknown, i) => {
    const path = `tools[${i}]`;
    if (!isPlainObject(tool) || tool.type !== "function" || !isPlainObject(tool.function)) {
      errors.push({ rule: "tool_definition", path, message: 'must be {"type":"function","function":{...}}' });
      return;
    }
    const fn = tool.function;
    if (typeof fn.name !== "string" || !FUNCTION_NAME.test(fn.name)) {
      errors.push({ rule: "tool_definition", path: `${path}.function.name`, message: "must be 1 to 64 letters, digits, _ or -" });
    } else if (names.has(fn.name)) {
      errors.push({ rule: "tool_definition", path: `${path}.function.name`, message: `duplicate tool name ${fn.name}` });
    } else {
      names.add(fn.name);
    }
    if (fn.description !== undefined && typeof fn.description !== "string") {
      errors.push({ rule: "tool_definition", path: `${path}.function.description`, message: "must be a string" });
    }
    if (fn.parameters !== undefined && !isPlainObject(fn.parameters)) {
      errors.push({ rule: "tool_definition", path: `${path}.function.parameters`, message: "must be a JSON Schema object" });
    }
  });
}

/**
 * Checks one example against OpenAI's chat fine-tuning format:
 * - `role`: every role is system, user, assistant or tool;
 * - `no_assistant` / `last_not_assistant`: at least one assistant message, and the last message is the assistant's;
 * - `content_missing`: system, user and tool messages, and assistant messages without tool calls, have non-empty content;
 * - `tool_call_id`: tool call ids are unique within their message;
 * - `arguments_not_json`: every tool call's `function.arguments` is a JSON object;
 * - `tool_call_unanswered`: every tool call is answered by a later `tool` message with its id before the next assistant
 *   message (the calls of the final assistant message are exempt: an example may teach a call);
 * - `tool_message_orphan`: every tool message answers a pending call of the assistant message before it;
 * - `tool_definition`: `tools` entries are `{type:"function", function:{name, description?, parameters?}}`, names unique;
 * - `too_many_tokens`: the estimate ({@link estimateTokens}) is at most `maxTokens`.
 */
export function checkChatExample(example: ChatExample, opts: { maxTokens: number }): FormatCheck {
  const errors: FormatError[] = [];
  const messages: readonly ChatMessage[] = Array.isArray(example.messages) ? example.messages : [];
  if (messages.length === 0) errors.push({ rule: "no_assistant", path: "messages", message: "must hold at least one assistant message" });
  let pending = new Map<string, string>(); // tool call id → its path, for the calls of the last assistant message
  let lastAssistant = -1;
  const flushUnanswered = () => {
    for (const [id, path] of pending) errors.push({ rule: "tool_call_unanswered", path, message: `tool call ${id} has no tool message answering it` });
    pending = new Map();
  };
  messages.forEach((m, i) => {
    const path = `messages[${i}]`;
    const role = m.role as string;
    if (!(FINE_TUNING_ROLES as readonly string[]).includes(role)) {
      errors.push({ rule: "role", path: `${path}.role`, message: `role ${role} is not one of ${FINE_TUNING_ROLES.join(", ")}` });
      return;
    }
    const calls = role === "assistant" ? (m.tool_calls ?? []) : [];
    if (!hasContent(m.content) && calls.length === 0) {
      errors.push({
        rule: "content_missing",
        path: `${path}.content`,
        message: `a ${role} message needs non-empty content${role === "assistant" ? " or tool calls" : ""}`,
      });
    }
    if (role === "assistant") {
      flushUnanswered();
      lastAssistant = i;
      calls.forEach((call, j) => {
        const callPath = `${path}.tool_calls[${j}]`;
        if (pending.has(call.id)) errors.push({ rule: "tool_call_id", path: `${callPath}.id`, message: `tool call id ${call.id} is used twice` });
        pending.set(call.id, `${callPath}.id`);
        let args: unknown;
        try {
          args = JSON.parse(call.function.arguments);
        } catch {
          args = undefined;
        }
        if (!isPlainObject(args)) errors.push({ rule: "arguments_not_json", path: `${callPath}.function.arguments`, message: "must be a JSON object" });
      });
    } else if (role === "tool") {
      const id = m.tool_call_id;
      if (id === undefined || !pending.has(id)) {
        errors.push({
          rule: "tool_message_orphan",
          path: `${path}.tool_call_id`,
          message: id === undefined ? "a tool message needs the tool_call_id it answers" : `answers no pending tool call (${id})`,
        });
      } else {
        pending.delete(id);
      }
    }
  });
  const last = messages.at(-1);
  if (last?.role === "assistant") pending = new Map(); // the final message may be a call: nothing after it can answer
  flushUnanswered();
  if (messages.length > 0 && lastAssistant === -1) {
    errors.push({ rule: "no_assistant", path: "messages", message: "must hold at least one assistant message" });
  } else if (messages.length > 0 && last?.role !== "assistant") {
    errors.push({ rule: "last_not_assistant", path: `messages[${messages.length - 1}].role`, message: "the last message must be the assistant's" });
  }
  checkTools(example.tools, errors);
  if (example.parallel_tool_calls !== undefined && typeof example.parallel_tool_calls !== "boolean") {
    errors.push({ rule: "parallel_tool_calls", path: "parallel_tool_calls", message: "must be a boolean" });
  }
  if (errors.length > 0) return { ok: false, errors };
  const tokens = estimateTokens(example);
  if (tokens > opts.maxTokens) {
    return { ok: false, errors: [{ rule: "too_many_tokens", path: "", message: `about ${tokens} tokens, over the maximum of ${opts.maxTokens}` }] };
  }
  return { ok: true, tokens };
}

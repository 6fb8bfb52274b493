import type { Message } from "./event-schema";
import { toToolCall } from "./proxy-requests";
import type { ProxiedOperation } from "./proxy-upstreams";

/** What the log keeps of an upstream's answer. */
export interface AnswerFacts {
  text?: string;
  /** A chat answer's message (assembled from its deltas, for a stream): role assistant, content, tool calls. */
  message?: Message;
  /** A chat answer's refusal text, which v2 messages have no field for. */
  refusal?: string;
  model?: string;
  tokensIn?: number;
  tokensOut?: number;
}

/** Most streamed answer text kept for the log (the client gets all of it). */
export const MAX_LOGGED_STREAM_CHARS = 64 * 1024;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Text, model and usage from a non-streamed answer; an answer of another shape yields nothing. */
export function responseFacts(op: ProxiedOperation, body: unknown): AnswerFacts {
  if (!isRecord(body)) return {};
  const usage = isRecord(body.usage) ? body.usage : {};
  const choice = Array.isArray(body.choices) && isRecord(body.choices[0]) ? body.choices[0] : {};
  const message = isRecord(choice.message) ? choice.message : {};
  const text = op === "chat/completions" ? message.content : op === "completions" ? choice.text : undefined;
  const answer = op === "chat/completions" && isRecord(choice.message) ? answerMessage(message) : undefined;
  return {
    ...(typeof text === "string" ? { text } : {}),
    ...(answer ? { message: answer } : {}),
    ...(op === "chat/completions" && typeof message.refusal === "string" && message.refusal ? { refusal: message.refusal } : {}),
    ...(typeof body.model === "string" ? { model: body.model } : {}),
    ...(isCount(usage.prompt_tokens) ? { tokensIn: usage.prompt_tokens } : {}),
    ...(isCount(usage.completion_tokens) ? { tokensOut: usage.completion_tokens } : {}),
  };
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** An answer's message as a v2 assistant message: its text (or null) and its well-formed tool calls. */
function answerMessage(message: Record<string, unknown>): Message {
  const content = typeof message.content === "string" ? message.content : null;
  const toolCalls = Array.isArray(message.tool_calls)
    ? message.tool_calls
        .map(toToolCall)
        .filter((c) => c !== undefined)
        .slice(0, 128)
    : [];
  return { role: "assistant", content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) };
}

/** A tool call being assembled from stream deltas. */
interface PendingToolCall {
  id?: string;
  type?: string;
  name?: string;
  arguments: string;
}

/**
 * Accumulates an SSE stream of chat/completions or completions chunks: content
 * deltas, tool-call deltas (by index: id and name once, arguments
 * concatenated), model, usage. Only the first choice is kept.
 */
export class SseCollector {
  private buffer = "";
  private chat = false;
  private refusal = "";
  private readonly toolCalls = new Map<number, PendingToolCall>();
  /** Characters of tool-call arguments kept so far, under MAX_LOGGED_STREAM_CHARS with the text. */
  private argumentChars = 0;
  text = "";
  model: string | undefined;
  tokensIn: number | undefined;
  tokensOut: number | undefined;

  push(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") continue;
      let event: unknown;
      try {
        event = JSON.parse(data);
      } catch {
        // A malformed chunk is passed through to the client untouched; it just is not logged.
        continue;
      }
      this.take(event);
    }
  }

  /** The facts gathered so far, in the shape of a non-streamed answer's. */
  facts(): AnswerFacts {
    return {
      ...(this.text ? { text: this.text } : {}),
      ...(this.chat ? { message: this.message() } : {}),
      ...(this.refusal ? { refusal: this.refusal } : {}),
      ...(this.model !== undefined ? { model: this.model } : {}),
      ...(this.tokensIn !== undefined ? { tokensIn: this.tokensIn } : {}),
      ...(this.tokensOut !== undefined ? { tokensOut: this.tokensOut } : {}),
    };
  }

  private take(event: unknown): void {
    if (!isRecord(event)) return;
    if (typeof event.model === "string") this.model ??= event.model;
    const first = Array.isArray(event.choices) ? event.choices.find((c) => isRecord(c) && (c.index === undefined || c.index === 0)) : undefined;
    const choice = isRecord(first) ? first : {};
    const delta = isRecord(choice.delta) ? choice.delta : {};
    if (isRecord(choice.delta)) this.chat = true;
    const piece = typeof delta.content === "string" ? delta.content : typeof choice.text === "string" ? choice.text : undefined;
    if (piece !== undefined) this.text += piece.slice(0, this.room());
    if (typeof delta.refusal === "string") this.refusal += delta.refusal.slice(0, this.room());
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) this.takeToolCall(call);
    if (isRecord(event.usage)) {
      if (isCount(event.usage.prompt_tokens)) this.tokensIn = event.usage.prompt_tokens;
      if (isCount(event.usage.completion_tokens)) this.tokensOut = event.usage.completion_tokens;
    }
  }

  /** Characters still to be kept of text, refusal and tool-call arguments together. */
  private room(): number {
    return Math.max(0, MAX_LOGGED_STREAM_CHARS - this.text.length - this.refusal.length - this.argumentChars);
  }

  private takeToolCall(raw: unknown): void {
    if (!isRecord(raw)) return;
    const index = typeof raw.index === "number" && Number.isInteger(raw.index) && raw.index >= 0 ? raw.index : 0;
    let pending = this.toolCalls.get(index);
    if (!pending) {
      if (this.toolCalls.size >= 128) return;
      pending = { arguments: "" };
      this.toolCalls.set(index, pending);
    }
    if (typeof raw.id === "string" && raw.id !== "") pending.id ??= raw.id;
    if (typeof raw.type === "string") pending.type ??= raw.type;
    const fn = isRecord(raw.function) ? raw.function : {};
    if (typeof fn.name === "string" && fn.name !== "") pending.name ??= fn.name;
    if (typeof fn.arguments === "string") {
      const kept = fn.arguments.slice(0, this.room());
      pending.arguments += kept;
      this.argumentChars += kept.length;
    }
  }

  /** The assistant message the stream's deltas make: its text (or null) and its tool calls in index order. */
  private message(): Message {
    const toolCalls = [...this.toolCalls]
      .sort(([a], [b]) => a - b)
      .map(([index, c]) => toToolCall({ id: c.id ?? `call_${index}`, type: c.type ?? "function", function: { name: c.name, arguments: c.arguments } }))
      .filter((c) => c !== undefined);
    return { role: "assistant", content: this.text || null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) };
  }
}

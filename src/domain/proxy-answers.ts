import type { ProxiedOperation } from "./proxy-upstreams";

/** What the log keeps of an upstream's answer. */
export interface AnswerFacts {
  text?: string;
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
  return {
    ...(typeof text === "string" ? { text } : {}),
    ...(typeof body.model === "string" ? { model: body.model } : {}),
    ...(isCount(usage.prompt_tokens) ? { tokensIn: usage.prompt_tokens } : {}),
    ...(isCount(usage.completion_tokens) ? { tokensOut: usage.completion_tokens } : {}),
  };
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** Accumulates an SSE stream of chat/completions or completions chunks: content deltas, model, usage. */
export class SseCollector implements AnswerFacts {
  private buffer = "";
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
      ...(this.model !== undefined ? { model: this.model } : {}),
      ...(this.tokensIn !== undefined ? { tokensIn: this.tokensIn } : {}),
      ...(this.tokensOut !== undefined ? { tokensOut: this.tokensOut } : {}),
    };
  }

  private take(event: unknown): void {
    if (!isRecord(event)) return;
    if (typeof event.model === "string") this.model ??= event.model;
    const choice = Array.isArray(event.choices) && isRecord(event.choices[0]) ? event.choices[0] : {};
    const delta = isRecord(choice.delta) ? choice.delta : {};
    const piece = typeof delta.content === "string" ? delta.content : typeof choice.text === "string" ? choice.text : undefined;
    if (piece !== undefined && this.text.length < MAX_LOGGED_STREAM_CHARS) this.text += piece.slice(0, MAX_LOGGED_STREAM_CHARS - this.text.length);
    if (isRecord(event.usage)) {
      if (isCount(event.usage.prompt_tokens)) this.tokensIn = event.usage.prompt_tokens;
      if (isCount(event.usage.completion_tokens)) this.tokensOut = event.usage.completion_tokens;
    }
  }
}

export interface Upstream {
  name: string;
  baseUrl: string;
  /** Name of the secret (env var) holding the upstream's own API key, if it needs one. */
  keySecret?: string;
}

/** The only operations the proxy forwards. */
export const PROXIED_OPERATIONS = ["chat/completions", "completions", "embeddings"] as const;
export type ProxiedOperation = (typeof PROXIED_OPERATIONS)[number];

/**
 * Parses PROXY_UPSTREAMS: comma-separated `name=base-url` or `name=base-url|SECRET_NAME`
 * (e.g. `local=http://127.0.0.1:8080/v1,openai=https://api.openai.com/v1|OPENAI_API_KEY`).
 * Throws naming the bad entry.
 */
export function parseUpstreams(config: string | undefined): Map<string, Upstream> {
  const upstreams = new Map<string, Upstream>();
  for (const entry of (config ?? "").split(",").map((e) => e.trim()).filter(Boolean)) {
    const m = /^([a-z0-9_-]{1,40})=([^|\s]+)(?:\|([A-Z][A-Z0-9_]{0,80}))?$/.exec(entry);
    if (!m) throw new Error(`PROXY_UPSTREAMS entry '${entry}' is not name=base-url or name=base-url|SECRET_NAME`);
    const url = new URL(m[2]!);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`PROXY_UPSTREAMS '${m[1]}' must be http(s)`);
    upstreams.set(m[1]!, { name: m[1]!, baseUrl: url.toString(), ...(m[3] ? { keySecret: m[3] } : {}) });
  }
  return upstreams;
}

/** The user's last message in an OpenAI-style request, or its prompt / embedding input. */
export function requestText(op: ProxiedOperation, body: Record<string, unknown>): string | undefined {
  if (op === "chat/completions" && Array.isArray(body.messages)) {
    const last = [...(body.messages as { role?: string; content?: unknown }[])].reverse().find((m) => m.role === "user");
    if (typeof last?.content === "string") return last.content;
    if (Array.isArray(last?.content)) return (last.content as { text?: string }[]).map((p) => p.text ?? "").join("");
  }
  if (op === "completions" && typeof body.prompt === "string") return body.prompt;
  if (op === "embeddings") return typeof body.input === "string" ? body.input : Array.isArray(body.input) ? body.input.filter((x) => typeof x === "string").join("\n") : undefined;
  return undefined;
}

/** Text, model and usage from a non-streamed answer. */
export function responseFacts(op: ProxiedOperation, body: Record<string, unknown>): { text?: string; model?: string; tokensIn?: number; tokensOut?: number } {
  const usage = body.usage as { prompt_tokens?: number; completion_tokens?: number } | undefined;
  const choice = (body.choices as { message?: { content?: unknown }; text?: unknown }[] | undefined)?.[0];
  const text = op === "chat/completions" ? choice?.message?.content : op === "completions" ? choice?.text : undefined;
  return {
    ...(typeof text === "string" ? { text } : {}),
    ...(typeof body.model === "string" ? { model: body.model } : {}),
    ...(typeof usage?.prompt_tokens === "number" ? { tokensIn: usage.prompt_tokens } : {}),
    ...(typeof usage?.completion_tokens === "number" ? { tokensOut: usage.completion_tokens } : {}),
  };
}

/** Most streamed answer text kept for the log (the client gets all of it). */
export const MAX_LOGGED_STREAM_CHARS = 64 * 1024;

/** Accumulates an SSE stream of chat/completions chunks: content deltas, model, usage. */
export class SseCollector {
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
      try {
        const event = JSON.parse(data) as { model?: string; choices?: { delta?: { content?: string }; text?: string }[]; usage?: { prompt_tokens?: number; completion_tokens?: number } };
        this.model ??= event.model;
        const piece = event.choices?.[0]?.delta?.content ?? event.choices?.[0]?.text;
        if (typeof piece === "string" && this.text.length < MAX_LOGGED_STREAM_CHARS) this.text += piece.slice(0, MAX_LOGGED_STREAM_CHARS - this.text.length);
        if (event.usage) {
          this.tokensIn = event.usage.prompt_tokens ?? this.tokensIn;
          this.tokensOut = event.usage.completion_tokens ?? this.tokensOut;
        }
      } catch {
        // A malformed chunk is passed through to the client untouched; it just is not logged.
      }
    }
  }
}

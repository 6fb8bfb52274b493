import { z } from "zod";
import { toFieldErrors, type FieldError } from "./event-schema";
import type { ProxiedOperation } from "./proxy-upstreams";

/*
 * OpenAI request bodies as the proxy accepts them. Strict about the fields
 * Gleaner reads or relies on (model, messages, prompt, input, stream, tools),
 * loose about the rest: OpenAI adds request fields often, and every field
 * the client sent is forwarded.
 */

const model = z.string().min(1, "must not be empty").describe("the upstream's model name");
const stream = z.boolean().optional().describe("true: the answer comes as server-sent events");
const tokens = z.array(z.number().int());

const contentPart = z.looseObject({
  type: z.string().min(1, "must not be empty"),
  text: z.string().optional(),
});

const chatMessage = z.looseObject({
  role: z.string().min(1, "must not be empty"),
  content: z.union([z.string(), z.array(contentPart), z.null()], { error: "must be a string, an array of content parts, or null" }).optional(),
});

const tool = z.looseObject({
  type: z.string().min(1, "must not be empty"),
  function: z.looseObject({ name: z.string().min(1, "must not be empty") }).optional(),
});

export const chatCompletionsRequestSchema = z.looseObject({
  model,
  messages: z.array(chatMessage).min(1, "must hold at least one message"),
  tools: z.array(tool).optional(),
  stream,
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
});

export const completionsRequestSchema = z.looseObject({
  model,
  prompt: z.union([z.string(), z.array(z.string()), tokens, z.array(tokens)], {
    error: "must be a string, an array of strings, or token arrays",
  }),
  stream,
});

export const embeddingsRequestSchema = z.looseObject({
  model,
  input: z.union([z.string(), z.array(z.string()).min(1), tokens.min(1), z.array(tokens).min(1)], {
    error: "must be a string, a non-empty array of strings, or token arrays",
  }),
});

export type ChatCompletionsRequest = z.infer<typeof chatCompletionsRequestSchema>;
export type CompletionsRequest = z.infer<typeof completionsRequestSchema>;
export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

/** A validated request of one operation. */
export type ProxyRequest =
  | { op: "chat/completions"; body: ChatCompletionsRequest }
  | { op: "completions"; body: CompletionsRequest }
  | { op: "embeddings"; body: EmbeddingsRequest };

export const PROXY_REQUEST_SCHEMAS = {
  "chat/completions": chatCompletionsRequestSchema,
  completions: completionsRequestSchema,
  embeddings: embeddingsRequestSchema,
} as const satisfies Record<ProxiedOperation, z.ZodType>;

/**
 * Validates a parsed body for `op`: the request (unknown fields kept), or every field that is wrong and why.
 *
 * @example
 * validateProxyRequest("chat/completions", { model: "m", messages: [null] })
 * // { ok: false, errors: [{ path: "messages.0", message: "Invalid input: expected object, received null" }] }
 */
export function validateProxyRequest(op: ProxiedOperation, value: unknown): { ok: true; request: ProxyRequest } | { ok: false; errors: FieldError[] } {
  const parsed = PROXY_REQUEST_SCHEMAS[op].safeParse(value);
  if (!parsed.success) return { ok: false, errors: toFieldErrors(parsed.error) };
  return { ok: true, request: { op, body: parsed.data } as ProxyRequest };
}

/** Whether the client asked for a streamed answer. */
export function wantsStream(request: ProxyRequest): boolean {
  return request.op !== "embeddings" && request.body.stream === true;
}

/** The user's last message in a chat request, or its prompt / embedding input: the event's query. */
export function requestText(request: ProxyRequest): string | undefined {
  switch (request.op) {
    case "chat/completions": {
      const last = request.body.messages.findLast((m) => m.role === "user");
      if (typeof last?.content === "string") return last.content;
      if (Array.isArray(last?.content)) return last.content.map((p) => p.text ?? "").join("");
      return undefined;
    }
    case "completions":
      return textOf(request.body.prompt);
    case "embeddings":
      return textOf(request.body.input);
  }
}

/** A string, or the strings of an array joined by newlines; token arrays have no text. */
function textOf(value: string | readonly unknown[]): string | undefined {
  if (typeof value === "string") return value;
  const strings = value.filter((x): x is string => typeof x === "string");
  return strings.length ? strings.join("\n") : undefined;
}

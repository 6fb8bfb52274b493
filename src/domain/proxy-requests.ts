import { z } from "zod";
import { toFieldErrors, type FieldError, type Message, type Tool } from "./event-schema";
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

/** Most request messages kept on an event (the answer's message makes the schema's 1000). */
export const MAX_LOGGED_REQUEST_MESSAGES = 999;

/** A chat request's conversation in event schema v2's shape. */
export interface RequestConversation {
  messages: Message[];
  tools?: Tool[];
  toolChoice?: unknown;
  /** Messages left out: a role the schema does not know, or beyond MAX_LOGGED_REQUEST_MESSAGES (the earliest go). */
  droppedMessages: number;
}

const ROLES: ReadonlySet<string> = new Set(["system", "developer", "user", "assistant", "tool"]);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const idText = (v: unknown, max = 200): v is string => typeof v === "string" && v !== "" && v.length <= max;

/**
 * The messages and tools of a chat request, mapped onto event schema v2's
 * `messages` and `tools`: fields the schema does not know (`refusal`,
 * `audio`, legacy `function_call`, …) are left out; a legacy `function`
 * message becomes a `tool` message, legacy `functions` become `tools`.
 */
export function requestConversation(body: ChatCompletionsRequest): RequestConversation {
  const mapped = body.messages.map(toMessage);
  const known = mapped.filter((m): m is Message => m !== undefined);
  const messages = known.slice(-MAX_LOGGED_REQUEST_MESSAGES);
  const offered = Array.isArray(body.tools)
    ? body.tools
    : Array.isArray(body.functions)
      ? body.functions.map((f: unknown) => ({ type: "function", function: f }))
      : [];
  const tools = offered
    .map(toTool)
    .filter((t): t is Tool => t !== undefined)
    .slice(0, 128);
  const toolChoice = body.tool_choice ?? body.function_call;
  return {
    messages,
    ...(tools.length ? { tools } : {}),
    ...(toolChoice !== undefined ? { toolChoice } : {}),
    droppedMessages: mapped.length - messages.length,
  };
}

/** One request message as a v2 message, or undefined when its role has no place there. */
export function toMessage(raw: unknown): Message | undefined {
  if (!isRecord(raw) || typeof raw.role !== "string") return undefined;
  const role = raw.role === "function" ? "tool" : raw.role;
  if (!ROLES.has(role)) return undefined;
  const content = toContent(raw.content);
  const toolCalls = Array.isArray(raw.tool_calls)
    ? raw.tool_calls
        .map(toToolCall)
        .filter((c) => c !== undefined)
        .slice(0, 128)
    : [];
  return {
    role: role as Message["role"],
    ...(content !== undefined ? { content } : {}),
    ...(idText(raw.name) ? { name: raw.name } : {}),
    ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
    ...(role === "tool" && idText(raw.tool_call_id) ? { tool_call_id: raw.tool_call_id } : {}),
  };
}

function toContent(raw: unknown): Message["content"] {
  if (typeof raw === "string" || raw === null) return raw;
  if (!Array.isArray(raw)) return undefined;
  return raw.filter((p): p is Record<string, unknown> & { type: string } => isRecord(p) && idText(p.type, 64)).slice(0, 200);
}

type ToolCall = NonNullable<Message["tool_calls"]>[number];

/** A tool call in OpenAI's `function` shape, or undefined (another type, or no name). */
export function toToolCall(raw: unknown): ToolCall | undefined {
  if (!isRecord(raw) || (raw.type !== undefined && raw.type !== "function") || !isRecord(raw.function)) return undefined;
  const { name, arguments: args } = raw.function;
  if (!idText(raw.id) || !idText(name)) return undefined;
  return { id: raw.id, type: "function", function: { name, arguments: typeof args === "string" ? args : args === undefined ? "" : JSON.stringify(args) } };
}

function toTool(raw: unknown): Tool | undefined {
  if (!isRecord(raw) || raw.type !== "function" || !isRecord(raw.function)) return undefined;
  const { name, description, parameters, strict } = raw.function;
  if (!idText(name)) return undefined;
  return {
    type: "function",
    function: {
      name,
      ...(typeof description === "string" ? { description } : {}),
      ...(isRecord(parameters) ? { parameters } : {}),
      ...(typeof strict === "boolean" ? { strict } : {}),
    },
  };
}

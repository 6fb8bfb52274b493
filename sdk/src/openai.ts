import type { GleanerClient } from "./client.js";
import type { ContentPart, Message, Tool, ToolCall, TrackEvent } from "./types.js";

/** Event fields for a traced call; `type` defaults to `llm_call`. `request` is the call's request body. */
export type TracedOptions = Partial<Omit<TrackEvent, "query" | "response" | "model" | "tokens_in" | "tokens_out" | "latency_ms">> & {
  request?: unknown;
};

type Loose = Record<string, any> | undefined;

/** The part of an event a call's outcome gives: what was asked and answered, by which model, at what cost. */
type CallFields = Pick<TrackEvent, "query" | "response" | "model" | "tokens_in" | "tokens_out" | "latency_ms" | "outcome"> & {
  attributes?: Record<string, unknown>;
  /** The answer message, appended to the request's messages. */
  answer?: Message;
};

/** See `GleanerClient.traced`. */
export async function traceCall<T>(client: GleanerClient, call: () => Promise<T>, options: TracedOptions): Promise<T> {
  const { request, ...fields } = options;
  const record = (outcome: CallFields) => recordCall(client, fields, request as Loose, outcome);
  const started = performance.now();
  let result: T;
  try {
    result = await call();
  } catch (error) {
    await record({ latency_ms: elapsed(started), outcome: "failure", attributes: errorAttributes(error) });
    throw error;
  }
  if ((request as Loose)?.stream === true && isAsyncIterable(result)) {
    return observeStream(result, (summary) => void record({ ...summary, latency_ms: elapsed(started) }));
  }
  await record({ ...describeResponse(result as Loose), latency_ms: elapsed(started), outcome: "success" });
  return result;
}

/**
 * Wraps an OpenAI-compatible client (the `openai` package or any object with
 * `chat.completions.create`) so that every chat completion is traced. Results,
 * errors and every other method are untouched; `create` returns a plain
 * Promise (helpers like `.withResponse()` are not carried through).
 */
export function wrapOpenAI<T extends { chat: { completions: { create: (...args: any[]) => unknown } } }>(
  openai: T,
  client: GleanerClient,
  fields: Omit<TracedOptions, "request"> = {},
): T {
  const completions = openai.chat.completions;
  const create = (request: unknown, ...rest: unknown[]) => client.traced(() => Promise.resolve(completions.create(request, ...rest)), { ...fields, request });
  return withProperty(openai, "chat", withProperty(openai.chat, "completions", withProperty(completions, "create", create)));
}

async function recordCall(client: GleanerClient, fields: Omit<TracedOptions, "request">, request: Loose, outcome: CallFields): Promise<void> {
  const { attributes: observed, answer, ...measured } = outcome;
  const { messages, tools, notes } = conversationOf(request, answer);
  const attributes = { ...fields.attributes, ...definedOnly({ tool_choice: request?.tool_choice ?? undefined }), ...notes, ...observed };
  // Without a response the server takes the last assistant text of `messages`: an earlier turn's when this call's
  // answer has none (a tool-call answer, a failure). The response is this answer's text, so "" then.
  if (measured.response === undefined && fields.messages === undefined && messages?.some((m) => m.role === "assistant" && !!textOf(m.content))) {
    measured.response = "";
  }
  const event: TrackEvent = {
    type: "llm_call",
    // What the request and answer show; fields given explicitly win.
    ...definedOnly({ messages, tools }),
    ...fields,
    ...definedOnly({ query: queryOf(request), model: stringOr(request?.model), ...definedOnly(measured) }),
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
  };
  // Recording must never change the call's result or error.
  await client.track(event).catch((error: unknown) => client.reportError(error));
}

function describeResponse(result: Loose): Omit<CallFields, "latency_ms"> {
  const choice = result?.choices?.[0];
  const usage = result?.usage;
  const toolCalls = Array.isArray(choice?.message?.tool_calls)
    ? choice.message.tool_calls.map((c: Loose) => c?.function?.name).filter((n: unknown) => typeof n === "string")
    : [];
  return {
    response: textOf(choice?.message?.content) ?? stringOr(choice?.text) ?? stringOr(result?.output_text),
    answer: answerOf(choice?.message),
    model: stringOr(result?.model),
    tokens_in: countOr(usage?.prompt_tokens ?? usage?.input_tokens),
    tokens_out: countOr(usage?.completion_tokens ?? usage?.output_tokens),
    attributes: definedOnly({
      finish_reason: stringOr(choice?.finish_reason),
      tool_calls: toolCalls.length > 0 ? toolCalls : undefined,
    }),
  };
}

/** The choice a chunk's delta belongs to: index 0 (a request with `n` > 1 streams several). */
function firstChoice(choices: unknown): Loose {
  if (!Array.isArray(choices)) return undefined;
  return choices.find((c) => c?.index === 0) ?? (choices.length === 1 && choices[0]?.index === undefined ? choices[0] : undefined);
}

/** A conversation's limits, as the server enforces them (src/domain/event-schema.ts). */
const LIMITS = { messages: 1000, parts: 200, toolCalls: 128, tools: 128, id: 200, name: 200, partType: 64 };

/**
 * The request's messages followed by the answer, and the tools offered, in the
 * server's shape: unknown fields are left out, and so is whatever the server
 * would reject (an unknown role, a tool call without id or name); `notes` says
 * what was left out.
 */
function conversationOf(request: Loose, answer: Message | undefined): { messages?: Message[]; tools?: Tool[]; notes: Record<string, unknown> } {
  const notes: Record<string, unknown> = {};
  let messages: Message[] | undefined;
  if (Array.isArray(request?.messages)) {
    const asked = request.messages.map(messageOf);
    const kept = asked.filter((m: Message | undefined): m is Message => m !== undefined);
    if (kept.length < asked.length) notes.messages_dropped = asked.length - kept.length;
    messages = answer ? [...kept, answer] : kept;
    if (messages.length > LIMITS.messages) {
      // The latest turns matter most, and the answer is last.
      notes.messages_omitted = messages.length - LIMITS.messages;
      messages = messages.slice(-LIMITS.messages);
    }
    if (messages.length === 0) messages = undefined;
  }
  let tools: Tool[] | undefined;
  if (Array.isArray(request?.tools)) {
    const offered: Tool[] = request.tools.map(toolOf).filter((t: Tool | undefined): t is Tool => t !== undefined);
    if (offered.length < request.tools.length) notes.tools_dropped = request.tools.length - offered.length;
    if (offered.length > 0) tools = offered.slice(0, LIMITS.tools);
  }
  return { messages, tools, notes };
}

const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);

function messageOf(message: Loose): Message | undefined {
  if (!message || !ROLES.has(message.role)) return undefined;
  const content = message?.content;
  const toolCalls = toolCallsOf(message?.tool_calls);
  return definedOnly({
    role: message.role as Message["role"],
    content: typeof content === "string" || content === null ? content : Array.isArray(content) ? content.filter(isPart).slice(0, LIMITS.parts) : undefined,
    name: shortOr(message?.name, LIMITS.name),
    tool_calls: toolCalls.length > 0 ? toolCalls : undefined,
    tool_call_id: shortOr(message?.tool_call_id, LIMITS.id),
  }) as Message;
}

/** The answer message of a response: an assistant message with its content and tool calls. */
function answerOf(message: Loose): Message | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  return messageOf({ ...message, role: "assistant", name: undefined, tool_call_id: undefined });
}

function toolCallsOf(calls: unknown): ToolCall[] {
  if (!Array.isArray(calls)) return [];
  const out: ToolCall[] = [];
  for (const call of calls as Loose[]) {
    const id = shortOr(call?.id, LIMITS.id);
    const name = shortOr(call?.function?.name, LIMITS.name);
    if ((call?.type ?? "function") !== "function" || !id || !name) continue;
    const args = call?.function?.arguments;
    out.push({ id, type: "function", function: { name, arguments: typeof args === "string" ? args : args === undefined ? "" : JSON.stringify(args) } });
  }
  return out.slice(0, LIMITS.toolCalls);
}

function toolOf(tool: Loose): Tool | undefined {
  const fn = tool?.function;
  const name = shortOr(fn?.name, LIMITS.name);
  if (tool?.type !== "function" || !name) return undefined;
  return {
    type: "function",
    function: definedOnly({
      name,
      description: typeof fn.description === "string" ? fn.description : undefined,
      parameters: isRecord(fn.parameters) ? (fn.parameters as Record<string, unknown>) : undefined,
      strict: typeof fn.strict === "boolean" ? fn.strict : undefined,
    }) as Tool["function"],
  };
}

function isPart(part: unknown): part is ContentPart {
  return isRecord(part) && typeof part.type === "string" && part.type !== "" && part.type.length <= LIMITS.partType;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A non-empty string, cut to `max` characters (never between the two halves of a surrogate pair). */
function shortOr(value: unknown, max: number): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  if (value.length <= max) return value;
  const cut = value.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** The last user message of a chat request, or a completion prompt, as text. */
function queryOf(request: Loose): string | undefined {
  const messages = request?.messages;
  if (Array.isArray(messages)) {
    for (let i = messages.length - 1; i >= 0; i--) {
      if (messages[i]?.role === "user") return textOf(messages[i].content);
    }
  }
  return stringOr(request?.prompt) ?? stringOr(request?.input);
}

/** Message content as text: a string, or the text parts of a content array. */
function textOf(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.filter((p) => p?.type === "text" && typeof p.text === "string").map((p) => p.text as string);
  return texts.length > 0 ? texts.join("\n") : undefined;
}

/**
 * Lets a streamed result through unchanged while collecting the streamed text,
 * model and usage; `onEnd` runs once, when the stream ends, fails or is left early.
 */
function observeStream<T extends object>(stream: T & AsyncIterable<unknown>, onEnd: (summary: Omit<CallFields, "latency_ms">) => void): T {
  const parts: string[] = [];
  const calls: Array<{ id?: string; name?: string; args: string[] }> = [];
  let model: string | undefined;
  let usage: Loose;
  let finishReason: string | undefined;
  let ended = false;
  const end = (outcome: CallFields["outcome"], attributes: Record<string, unknown>) => {
    if (ended) return;
    ended = true;
    const toolCalls = calls.filter(Boolean).map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.args.join("") } }));
    const received = parts.length > 0 || toolCalls.length > 0;
    onEnd({
      response: parts.length > 0 ? parts.join("") : undefined,
      answer: received ? answerOf({ role: "assistant", content: parts.length > 0 ? parts.join("") : null, tool_calls: toolCalls }) : undefined,
      model,
      tokens_in: countOr(usage?.prompt_tokens),
      tokens_out: countOr(usage?.completion_tokens),
      outcome,
      attributes: definedOnly({ finish_reason: finishReason, ...attributes }),
    });
  };
  const iterate = async function* () {
    try {
      for await (const chunk of stream as AsyncIterable<Loose>) {
        const choice = firstChoice(chunk?.choices);
        const delta = choice?.delta;
        if (typeof delta?.content === "string") parts.push(delta.content);
        if (Array.isArray(delta?.tool_calls)) {
          delta.tool_calls.forEach((part: Loose, position: number) => {
            const index = Number.isInteger(part?.index) && part?.index >= 0 ? (part?.index as number) : position;
            const call = (calls[index] ??= { args: [] });
            // The id and name come whole in the first delta of a call; the arguments come in pieces.
            call.id ??= stringOr(part?.id);
            call.name ??= stringOr(part?.function?.name);
            if (typeof part?.function?.arguments === "string") call.args.push(part.function.arguments);
          });
        }
        finishReason = stringOr(choice?.finish_reason) ?? finishReason;
        model = stringOr(chunk?.model) ?? model;
        usage = chunk?.usage ?? usage;
        yield chunk;
      }
      end("success", {});
    } catch (error) {
      end("failure", errorAttributes(error));
      throw error;
    } finally {
      end("partial", { stream_stopped_early: true });
    }
  };
  return withProperty(stream, Symbol.asyncIterator, () => iterate());
}

/** A view of `target` whose `key` is `value`; every other property reads through, methods bound to the original. */
function withProperty<T extends object>(target: T, key: PropertyKey, value: unknown): T {
  return new Proxy(target, {
    get(object, property) {
      if (property === key) return value;
      const found = Reflect.get(object, property, object);
      return typeof found === "function" ? found.bind(object) : found;
    },
  });
}

function errorAttributes(error: unknown): Record<string, unknown> {
  const status = (error as { status?: unknown } | null)?.status;
  return definedOnly({
    error: error instanceof Error ? error.message : String(error),
    error_status: typeof status === "number" ? status : undefined,
  });
}

function isAsyncIterable(value: unknown): value is object & AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function countOr(value: unknown): number | undefined {
  return Number.isInteger(value) && (value as number) >= 0 ? (value as number) : undefined;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

import type { GleanerClient } from "./client.js";
import type { TrackEvent } from "./types.js";

/** Event fields for a traced call; `type` defaults to `llm_call`. `request` is the call's request body. */
export type TracedOptions = Partial<Omit<TrackEvent, "query" | "response" | "model" | "tokens_in" | "tokens_out" | "latency_ms">> & {
  request?: unknown;
};

type Loose = Record<string, any> | undefined;

/** The part of an event a call's outcome gives: what was asked and answered, by which model, at what cost. */
type CallFields = Pick<TrackEvent, "query" | "response" | "model" | "tokens_in" | "tokens_out" | "latency_ms" | "outcome"> & {
  attributes?: Record<string, unknown>;
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
  const { attributes: observed, ...measured } = outcome;
  const attributes = { ...fields.attributes, ...observed };
  const event: TrackEvent = {
    type: "llm_call",
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
    model: stringOr(result?.model),
    tokens_in: countOr(usage?.prompt_tokens ?? usage?.input_tokens),
    tokens_out: countOr(usage?.completion_tokens ?? usage?.output_tokens),
    attributes: definedOnly({
      finish_reason: stringOr(choice?.finish_reason),
      tool_calls: toolCalls.length > 0 ? toolCalls : undefined,
    }),
  };
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
  let model: string | undefined;
  let usage: Loose;
  let finishReason: string | undefined;
  let ended = false;
  const end = (outcome: CallFields["outcome"], attributes: Record<string, unknown>) => {
    if (ended) return;
    ended = true;
    onEnd({
      response: parts.length > 0 ? parts.join("") : undefined,
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
        const choice = chunk?.choices?.[0];
        if (typeof choice?.delta?.content === "string") parts.push(choice.delta.content);
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

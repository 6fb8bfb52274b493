import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, type ReadableSpan, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { ChatCompletionFunctionTool, ChatCompletionMessageFunctionToolCall, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { waitFor } from "./gleaner-process";

/**
 * A small OpenAI-compatible upstream for the tests of real clients
 * (test/node/genai-*.test.ts): `GET /v1/models` and `POST /v1/chat/completions`,
 * plain or streamed (SSE, as OpenAI streams: `delta.tool_calls` by index with the
 * arguments split across chunks, a last usage chunk when `stream_options.include_usage`).
 *
 * It tells one conversation, the weather in Paris:
 *  - a request whose last message is a tool result gets the final answer, {@link FINAL_ANSWER};
 *  - a request that offers tools gets one call of `get_weather`, {@link WEATHER_CALL};
 *  - any other gets {@link PLAIN_ANSWER}.
 * Every request is kept in `requests` (method, path, Authorization, parsed body), so a test can check what the client sent.
 * The conversation's fixtures (as sent and as Gleaner stores it) and the helpers
 * those tests share to export spans to a running Gleaner and read its events back
 * are below.
 *
 * @example
 * const upstream = await startFakeOpenAIUpstream();
 * const client = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "sk-test" });
 */
export interface FakeOpenAIUpstream {
  /** `http://127.0.0.1:<port>` (the API is under `/v1`). */
  url: string;
  requests: { method: string; path: string; authorization: string | undefined; body: Record<string, any> | undefined }[];
  close: () => Promise<void>;
}

export const MODEL = "fake-gpt";
export const SYSTEM_PROMPT = "You are a travel assistant. Use the tools for live data.";
export const USER_QUESTION = "What's the weather in Paris?";
export const WEATHER_CALL: ChatCompletionMessageFunctionToolCall = {
  id: "call_weather_1",
  type: "function",
  function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' },
};
export const WEATHER_RESULT = '{"temperature":18,"sky":"cloudy"}';
export const FINAL_ANSWER = "It is 18 °C and cloudy in Paris.";
export const PLAIN_ANSWER = "Hello from the fake upstream.";

/** The tool the conversation offers, as OpenAI's chat API takes it. */
export const WEATHER_TOOL: ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The current weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["city"],
    },
  },
};

/** The first turn's request messages, and the second turn's (the tool was called and answered). */
export const FIRST_TURN: ChatCompletionMessageParam[] = [
  { role: "system", content: SYSTEM_PROMPT },
  { role: "user", content: USER_QUESTION },
];
export const SECOND_TURN: ChatCompletionMessageParam[] = [
  ...FIRST_TURN,
  { role: "assistant", content: null, tool_calls: [WEATHER_CALL] },
  { role: "tool", tool_call_id: WEATHER_CALL.id, content: WEATHER_RESULT },
];

/** The whole conversation as Gleaner stores it (v2 messages), after the final answer. */
export const STORED_CONVERSATION = [
  { role: "system", content: SYSTEM_PROMPT },
  { role: "user", content: USER_QUESTION },
  { role: "assistant", tool_calls: [WEATHER_CALL] },
  { role: "tool", tool_call_id: WEATHER_CALL.id, content: WEATHER_RESULT },
  { role: "assistant", content: FINAL_ANSWER },
];

const USAGE = { prompt_tokens: 52, completion_tokens: 11, total_tokens: 63 };

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

type ChatRequest = { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean }; tools?: unknown[]; messages?: { role?: string }[] };

/** What the upstream answers to `request`: text, or the weather tool call. */
function answerOf(request: ChatRequest): { content: string | null; toolCalls?: ChatCompletionMessageFunctionToolCall[] } {
  const last = request.messages?.at(-1);
  if (last?.role === "tool") return { content: FINAL_ANSWER };
  if (request.tools?.length) return { content: null, toolCalls: [WEATHER_CALL] };
  return { content: PLAIN_ANSWER };
}

/** The SSE chunks of a streamed answer, as OpenAI sends them. */
function chunksOf(model: string, answer: ReturnType<typeof answerOf>, includeUsage: boolean): unknown[] {
  const chunk = (delta: unknown, finish: string | null = null) => ({
    id: "chatcmpl-fake-stream",
    object: "chat.completion.chunk",
    created: 1767225600,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const chunks: unknown[] = [chunk({ role: "assistant", content: answer.toolCalls ? null : "", refusal: null })];
  if (answer.content) for (const piece of answer.content.match(/.{1,8}/gsu) ?? []) chunks.push(chunk({ content: piece }));
  for (const [index, call] of (answer.toolCalls ?? []).entries()) {
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }));
    for (const piece of call.function.arguments.match(/.{1,7}/gs) ?? []) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  }
  chunks.push(chunk({}, answer.toolCalls ? "tool_calls" : "stop"));
  if (includeUsage) chunks.push({ id: "chatcmpl-fake-stream", object: "chat.completion.chunk", created: 1767225600, model, choices: [], usage: USAGE });
  return chunks;
}

export async function startFakeOpenAIUpstream(): Promise<FakeOpenAIUpstream> {
  const requests: FakeOpenAIUpstream["requests"] = [];
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const body = raw ? (JSON.parse(raw) as Record<string, any>) : undefined;
    requests.push({ method: req.method ?? "GET", path, authorization: req.headers.authorization, body });
    const json = (status: number, value: unknown) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(value));
    if (req.method === "GET" && path === "/v1/models") {
      return json(200, { object: "list", data: [{ id: MODEL, object: "model", created: 1767225600, owned_by: "gleaner-tests" }] });
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      return json(404, { error: { message: `no route ${req.method} ${path}`, type: "invalid_request_error" } });
    }
    const request = (body ?? {}) as ChatRequest;
    const model = request.model ?? MODEL;
    const answer = answerOf(request);
    if (request.stream) {
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
      for (const chunk of chunksOf(model, answer, request.stream_options?.include_usage === true)) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      return res.end("data: [DONE]\n\n");
    }
    const message = {
      role: "assistant",
      content: answer.content,
      refusal: null,
      annotations: [],
      ...(answer.toolCalls ? { tool_calls: answer.toolCalls } : {}),
    };
    json(200, {
      id: "chatcmpl-fake",
      object: "chat.completion",
      created: 1767225600,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: answer.toolCalls ? "tool_calls" : "stop" }],
      usage: USAGE,
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** The event `id` as Gleaner stores it, read with the project key once ingest has stored it. */
export function storedEvent(base: string, key: string, id: string, timeoutMs = 15_000): Promise<Record<string, any>> {
  return waitFor(async () => {
    const res = await fetch(`${base}/v1/events/${id}`, { headers: { Authorization: `Bearer ${key}` } });
    return res.status === 200 ? ((await res.json()) as { event: Record<string, any> }).event : undefined;
  }, timeoutMs);
}

/** A tracer provider whose spans go to a running Gleaner, and what was exported. */
export interface GleanerTracing {
  provider: BasicTracerProvider;
  /** Every span exported so far, in the order they ended. */
  exported: ReadableSpan[];
  /** Flushes, fails unless every export succeeded, and answers the spans exported since the last call. */
  flush: () => Promise<ReadableSpan[]>;
}

/**
 * An OpenTelemetry SDK tracer provider for `service`, exporting every span as it
 * ends (OTLP/protobuf, exporter-trace-otlp-proto) to Gleaner's `POST /v1/otlp/v1/traces`
 * with the project key; `processors` are added before it (e.g. a vendor's own span processor).
 */
export function gleanerTracing(base: string, key: string, service: string, processors: SpanProcessor[] = []): GleanerTracing {
  const otlp = new OTLPTraceExporter({ url: `${base}/v1/otlp/v1/traces`, headers: { Authorization: `Bearer ${key}` } });
  const exported: ReadableSpan[] = [];
  const results: ExportResult[] = [];
  const exporter: SpanExporter = {
    export: (spans, done) => {
      exported.push(...spans);
      otlp.export(spans, (r) => {
        results.push(r);
        done(r);
      });
    },
    shutdown: () => otlp.shutdown(),
  };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    spanProcessors: [...processors, new SimpleSpanProcessor(exporter)],
  });
  let seen = 0;
  return {
    provider,
    exported,
    flush: async () => {
      await provider.forceFlush();
      const failed = results.filter((r) => r.code !== ExportResultCode.SUCCESS);
      if (failed.length) throw new Error(`an export to Gleaner failed: ${failed.map((r) => String(r.error)).join("; ")}`);
      const fresh = exported.slice(seen);
      seen = exported.length;
      return fresh;
    },
  };
}

/** Gleaner's event of an exported span (`<traceId>:<spanId>`). */
export function eventOfSpan(base: string, key: string, span: ReadableSpan): Promise<Record<string, any>> {
  const { traceId, spanId } = span.spanContext();
  return storedEvent(base, key, `${traceId}:${spanId}`);
}

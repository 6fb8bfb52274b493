import { context, type Span, trace } from "@opentelemetry/api";
import type { AnyValueMap, LogAttributes } from "@opentelemetry/api-logs";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { OTLPLogExporter as OTLPLogHttpJsonExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as OTLPLogProtoExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPTraceExporter as OTLPTraceProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter, type ReadableLogRecord, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { BasicTracerProvider, type ReadableSpan, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, type GleanerProcess, startProcess, tempDataDir, waitFor } from "./gleaner-process";

/*
 * GenAI semantic conventions 1.28–1.36 through the real OpenTelemetry JS logs SDK: each message of
 * an LLM call is a log record (`gen_ai.*.message`, `gen_ai.choice`) emitted in the context of the
 * call's span, exported with the OTLP logs exporters to POST /v1/otlp/v1/logs; the span itself
 * (no message attributes) goes through the trace exporter. Gleaner joins them to <traceId>:<spanId>
 * whichever arrives first.
 */

let gleaner: GleanerProcess;
let key: string;

beforeAll(async () => {
  gleaner = await startProcess(tempDataDir());
  key = await createKey(gleaner.base, "otel-logs-exporter");
}, 120_000);

afterAll(async () => {
  gleaner?.child.kill("SIGINT");
  await gleaner?.exited;
});

const auth = () => ({ Authorization: `Bearer ${key}` });

/** Records what each export came back with, so a refused export fails the test rather than only logging. */
function recordingLogs(inner: LogRecordExporter): { exporter: LogRecordExporter; results: ExportResult[] } {
  const results: ExportResult[] = [];
  const exporter: LogRecordExporter = {
    export: (logs: ReadableLogRecord[], done: (r: ExportResult) => void) =>
      inner.export(logs, (r) => {
        results.push(r);
        done(r);
      }),
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush(),
  };
  return { exporter, results };
}

function recordingSpans(inner: SpanExporter): { exporter: SpanExporter; results: ExportResult[] } {
  const results: ExportResult[] = [];
  const exporter: SpanExporter = {
    export: (spans: ReadableSpan[], done: (r: ExportResult) => void) =>
      inner.export(spans, (r) => {
        results.push(r);
        done(r);
      }),
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
  return { exporter, results };
}

type LogExporterConfig = NonNullable<ConstructorParameters<typeof OTLPLogProtoExporter>[0]>;
type Compression = LogExporterConfig["compression"];

/** The 1.28–1.36 records of one LLM call with a tool: system, user, assistant tool call, tool result, the choice. */
function conversation(tag: string): { eventName: string; body: AnyValueMap }[] {
  return [
    { eventName: "gen_ai.system.message", body: { content: `You are a Linux admin helper (${tag}).` } },
    { eventName: "gen_ai.user.message", body: { content: "Which ports are open?" } },
    {
      eventName: "gen_ai.assistant.message",
      body: { content: "", tool_calls: [{ id: `call_${tag}`, type: "function", function: { name: "list_ports", arguments: '{"proto":"tcp"}' } }] },
    },
    { eventName: "gen_ai.tool.message", body: { content: "22, 443", id: `call_${tag}` } },
    { eventName: "gen_ai.choice", body: { index: 0, finish_reason: "stop", message: { content: `Ports 22 and 443 are open (${tag}).` } } },
  ];
}

function expected(tag: string) {
  return [
    { role: "system", content: `You are a Linux admin helper (${tag}).` },
    { role: "user", content: "Which ports are open?" },
    { role: "assistant", tool_calls: [{ id: `call_${tag}`, type: "function", function: { name: "list_ports", arguments: '{"proto":"tcp"}' } }] },
    { role: "tool", content: "22, 443", tool_call_id: `call_${tag}` },
    { role: "assistant", content: `Ports 22 and 443 are open (${tag}).` },
  ];
}

/** A chat span of semconv 1.28–1.36: only the operation, system and model; its messages go to log records. */
function startChatSpan() {
  const { exporter, results } = recordingSpans(new OTLPTraceProtoExporter({ url: `${gleaner.base}/v1/otlp/v1/traces`, headers: auth() }));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "otel-js-log-agent" }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const span = provider.getTracer("gleaner-test").startSpan("chat gpt-4o", {
    attributes: { "gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o" },
  });
  return {
    span,
    results,
    /** Ends the span and exports it. */
    async end() {
      span.end();
      await provider.forceFlush();
      await provider.shutdown();
    },
  };
}

/**
 * Emits the conversation's records in the span's context and exports them: "batch" (the SDK's
 * production processor) sends the five in one export, "simple" one export per record, all in flight at once.
 */
async function emitConversation(inner: LogRecordExporter, span: Span, tag: string, processor: "batch" | "simple" = "batch"): Promise<ExportResult[]> {
  const { exporter, results } = recordingLogs(inner);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": "otel-js-log-agent" }),
    processors: [processor === "batch" ? new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 60_000 }) : new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger("gleaner-test");
  const ctx = trace.setSpan(context.active(), span);
  const attributes: LogAttributes = { "gen_ai.system": "openai" };
  for (const { eventName, body } of conversation(tag)) logger.emit({ eventName, body, attributes, context: ctx });
  await provider.forceFlush();
  await provider.shutdown();
  return results;
}

/** The stored event once its messages are `want` (on timeout, the last one read, so the assertion shows the difference). */
async function eventWithMessages(id: string, want: unknown[]): Promise<Record<string, any> | undefined> {
  let last: Record<string, any> | undefined;
  const read = async () => {
    const res = await fetch(`${gleaner.base}/v1/events/${id}`, { headers: auth() });
    if (res.status !== 200) return undefined;
    last = ((await res.json()) as { event: Record<string, any> }).event;
    return last;
  };
  return waitFor(async () => {
    const event = await read();
    return event && JSON.stringify(event.messages) === JSON.stringify(want) ? event : undefined;
  }, 15_000).catch(() => last);
}

const logsUrl = () => `${gleaner.base}/v1/otlp/v1/logs`;
const success = (n: number) => Array.from({ length: n }, () => ExportResultCode.SUCCESS);

/** The stored event once it holds `n` messages. */
const eventWithCount = (id: string, n: number) =>
  waitFor(async () => {
    const res = await fetch(`${gleaner.base}/v1/events/${id}`, { headers: auth() });
    const event = res.status === 200 ? ((await res.json()) as { event: Record<string, any> }).event : undefined;
    return event?.messages?.length === n ? event : undefined;
  }, 15_000);

describe("the OpenTelemetry JS logs SDK's OTLP exporters (GenAI log records, semconv 1.28–1.36) against a running Gleaner", () => {
  it("joins records exported before their span (exporter-logs-otlp-proto, gzip)", async () => {
    const chat = startChatSpan();
    const { traceId, spanId } = chat.span.spanContext();
    const logResults = await emitConversation(
      new OTLPLogProtoExporter({ url: logsUrl(), headers: auth(), compression: "gzip" as Compression }),
      chat.span,
      "proto-gzip",
    );
    expect(logResults.map((r) => r.code)).toEqual(success(1));
    await chat.end();
    expect(chat.results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS]);
    const event = await eventWithMessages(`${traceId}:${spanId}`, expected("proto-gzip"));
    expect(event?.messages).toEqual(expected("proto-gzip"));
    expect(event).toMatchObject({ type: "gen_ai.chat", source: "otel-js-log-agent", trace_id: traceId, span_id: spanId, session_id: traceId });
    expect(event?.query).toBe("Which ports are open?");
    expect(event?.response).toBe("Ports 22 and 443 are open (proto-gzip).");
  });

  it("rebuilds the messages of a span exported before its records (exporter-logs-otlp-proto, uncompressed)", async () => {
    const chat = startChatSpan();
    const { traceId, spanId } = chat.span.spanContext();
    const id = `${traceId}:${spanId}`;
    await chat.end();
    expect(chat.results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS]);
    const bare = await waitFor(async () => {
      const res = await fetch(`${gleaner.base}/v1/events/${id}`, { headers: auth() });
      return res.status === 200 ? ((await res.json()) as { event: Record<string, any> }).event : undefined;
    }, 15_000);
    expect(bare.messages ?? []).toEqual([]);
    const logResults = await emitConversation(new OTLPLogProtoExporter({ url: logsUrl(), headers: auth() }), chat.span, "proto");
    expect(logResults.map((r) => r.code)).toEqual(success(1));
    const event = await eventWithMessages(id, expected("proto"));
    expect(event?.messages).toEqual(expected("proto"));
    expect(event?.response).toBe("Ports 22 and 443 are open (proto).");
  });

  it("joins records exported as JSON (exporter-logs-otlp-http), span first, then logs", async () => {
    const chat = startChatSpan();
    const { traceId, spanId } = chat.span.spanContext();
    await chat.end();
    expect(chat.results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS]);
    const logResults = await emitConversation(
      new OTLPLogHttpJsonExporter({ url: logsUrl(), headers: auth(), compression: "gzip" as Compression }),
      chat.span,
      "json",
    );
    expect(logResults.map((r) => r.code)).toEqual(success(1));
    const event = await eventWithMessages(`${traceId}:${spanId}`, expected("json"));
    expect(event?.messages).toEqual(expected("json"));
  });

  it("joins records exported one per request (SimpleLogRecordProcessor): all five messages, whatever order the requests took", async () => {
    // The SDK stamps records with Date.now() (milliseconds) and this processor sends each in its own
    // concurrent request, so records of one instant from separate requests have no defined order.
    const chat = startChatSpan();
    const { traceId, spanId } = chat.span.spanContext();
    const logResults = await emitConversation(new OTLPLogProtoExporter({ url: logsUrl(), headers: auth() }), chat.span, "simple", "simple");
    expect(logResults.map((r) => r.code)).toEqual(success(5));
    await chat.end();
    expect(chat.results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS]);
    const event = await eventWithCount(`${traceId}:${spanId}`, 5);
    expect(event.messages).toEqual(expect.arrayContaining(expected("simple")));
  });

  it("fails the export of a bad key (401), which the logs exporter reports", async () => {
    const chat = startChatSpan();
    const results = await emitConversation(new OTLPLogProtoExporter({ url: logsUrl(), headers: { Authorization: "Bearer nope" } }), chat.span, "bad-key");
    expect(results.map((r) => r.code)).toEqual([ExportResultCode.FAILED]);
    expect(String(results[0]?.error)).toContain("Unauthorized");
  });
});

import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter as OTLPHttpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, type GleanerProcess, startProcess, tempDataDir, waitFor } from "./gleaner-process";

let gleaner: GleanerProcess;
let key: string;

beforeAll(async () => {
  gleaner = await startProcess(tempDataDir());
  key = await createKey(gleaner.base, "otel-exporters");
}, 120_000);

afterAll(async () => {
  gleaner?.child.kill("SIGINT");
  await gleaner?.exited;
});

/** Records what each export came back with, so a refused export fails the test rather than only logging. */
function recording(inner: SpanExporter): { exporter: SpanExporter; results: ExportResult[] } {
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

/** A GenAI chat span after the semantic conventions (1.37+ message attributes, as JSON strings), exported through `exporter`. */
async function exportChatSpan(exporter: SpanExporter, processor: "simple" | "batch", question: string, answer: string) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "otel-js-agent" }),
    spanProcessors: [processor === "simple" ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter, { scheduledDelayMillis: 50 })],
  });
  const span = provider.getTracer("gleaner-test").startSpan("chat gpt-4o", {
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o",
      "gen_ai.usage.input_tokens": 12,
      "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: question }] }]),
      "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: answer }], finish_reason: "stop" }]),
    },
  });
  span.end();
  await provider.forceFlush();
  await provider.shutdown();
  return span.spanContext();
}

async function storedEvent(traceId: string, spanId: string) {
  return waitFor(async () => {
    const res = await fetch(`${gleaner.base}/v1/events/${traceId}:${spanId}`, { headers: { Authorization: `Bearer ${key}` } });
    return res.status === 200 ? ((await res.json()) as { event: Record<string, any> }).event : undefined;
  }, 10_000);
}

type ExporterConfig = NonNullable<ConstructorParameters<typeof OTLPProtoExporter>[0]>;

describe("the OpenTelemetry JS SDK's OTLP exporters against a running Gleaner", () => {
  const url = () => `${gleaner.base}/v1/otlp/v1/traces`;

  it("exports protobuf, gzip-compressed (exporter-trace-otlp-proto): the span is the event <traceId>:<spanId>", async () => {
    const { exporter, results } = recording(
      new OTLPProtoExporter({ url: url(), headers: { Authorization: `Bearer ${key}` }, compression: "gzip" as ExporterConfig["compression"] }),
    );
    const { traceId, spanId } = await exportChatSpan(exporter, "simple", "Weather in Paris?", "Rainy, 57°F.");
    expect(results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS]);
    const event = await storedEvent(traceId, spanId);
    expect(event).toMatchObject({ type: "gen_ai.chat", source: "otel-js-agent", trace_id: traceId, span_id: spanId, tokens_in: 12 });
    expect(event.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: "Rainy, 57°F." },
    ]);
  });

  it("exports protobuf uncompressed through a BatchSpanProcessor", async () => {
    const { exporter, results } = recording(new OTLPProtoExporter({ url: url(), headers: { Authorization: `Bearer ${key}` } }));
    const { traceId, spanId } = await exportChatSpan(exporter, "batch", "Batch question?", "Batch answer.");
    expect(results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS]);
    expect((await storedEvent(traceId, spanId)).messages).toEqual([
      { role: "user", content: "Batch question?" },
      { role: "assistant", content: "Batch answer." },
    ]);
  });

  it("exports JSON, plain and gzip-compressed (exporter-trace-otlp-http)", async () => {
    for (const compression of ["none", "gzip"] as const) {
      const { exporter, results } = recording(
        new OTLPHttpJsonExporter({ url: url(), headers: { Authorization: `Bearer ${key}` }, compression: compression as ExporterConfig["compression"] }),
      );
      const { traceId, spanId } = await exportChatSpan(exporter, "simple", `JSON ${compression}?`, `Answer ${compression}.`);
      expect(
        results.map((r) => r.code),
        compression,
      ).toEqual([ExportResultCode.SUCCESS]);
      expect((await storedEvent(traceId, spanId)).messages, compression).toEqual([
        { role: "user", content: `JSON ${compression}?` },
        { role: "assistant", content: `Answer ${compression}.` },
      ]);
    }
  });

  it("fails the export of a bad key (401), which the exporter reports", async () => {
    const exporter = new OTLPProtoExporter({ url: url(), headers: { Authorization: "Bearer nope" } });
    const provider = new BasicTracerProvider();
    const span = provider.getTracer("gleaner-test").startSpan("chat", { attributes: { "gen_ai.operation.name": "chat" } });
    span.end();
    const result = await new Promise<ExportResult>((done) => exporter.export([span as unknown as ReadableSpan], done));
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(String(result.error)).toContain("Unauthorized");
    await exporter.shutdown();
  });
});

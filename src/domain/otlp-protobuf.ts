import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ExportTraceServiceRequestSchema, ExportTraceServiceResponseSchema } from "./gen/otlp/opentelemetry/proto/collector/trace/v1/trace_service_pb";
import type { AnyValue, KeyValue } from "./gen/otlp/opentelemetry/proto/common/v1/common_pb";
import type { Span } from "./gen/otlp/opentelemetry/proto/trace/v1/trace_pb";
import { ExportLogsServiceRequestSchema, ExportLogsServiceResponseSchema } from "./gen/otlp/opentelemetry/proto/collector/logs/v1/logs_service_pb";
import type { LogRecord } from "./gen/otlp/opentelemetry/proto/logs/v1/logs_pb";
import { StatusSchema } from "./gen/otlp/google/rpc/status_pb";
import { toHex } from "./sha256";

/*
 * OTLP/HTTP's protobuf encoding (ExportTraceServiceRequest / ExportTraceServiceResponse), decoded
 * with protobuf-es' generated descriptors (src/domain/gen/otlp, `npm run gen:otlp` from proto/):
 * no code is generated at run time, so it runs in workerd. The request becomes the plain shape of
 * the OTLP/JSON encoding, so both encodings go through the same otlpTracesSchema and mapGenAiSpans
 * (src/domain/otlp.ts) and give the same events with the same ids.
 */

/** A JSON value in OTLP/JSON's shape (what JSON.parse would give for the same request). */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

type Failure = { ok: false; code: "invalid_protobuf" | "too_deep"; message: string };
export type ProtobufDecoded = { ok: true; value: { resourceSpans: Json[] } } | Failure;
export type ProtobufLogsDecoded = { ok: true; value: { resourceLogs: Json[] } } | Failure;

class TooDeep extends Error {}

const tooDeep = (maxDepth: number): Failure => ({ ok: false, code: "too_deep", message: `attribute values are nested deeper than ${maxDepth} levels` });

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function anyValue(v: AnyValue | undefined, depth: number, maxDepth: number): Json {
  if (depth > maxDepth) throw new TooDeep();
  const value = v?.value;
  switch (value?.case) {
    case "stringValue":
      return { stringValue: value.value };
    case "boolValue":
      return { boolValue: value.value };
    case "intValue":
      return { intValue: value.value.toString() };
    case "doubleValue":
      // proto3 JSON writes the non-finite doubles as strings.
      return { doubleValue: Number.isFinite(value.value) ? value.value : String(value.value) };
    case "bytesValue":
      return { bytesValue: base64(value.value) };
    case "arrayValue":
      return { arrayValue: { values: value.value.values.map((x) => anyValue(x, depth + 1, maxDepth)) } };
    case "kvlistValue":
      return { kvlistValue: { values: keyValues(value.value.values, depth + 1, maxDepth) } };
    default:
      // Unset, or string_value_strindex (a dictionary index that only profiles use): no value.
      return {};
  }
}

function keyValues(kvs: readonly KeyValue[], depth: number, maxDepth: number): Json[] {
  return kvs.map((kv) => ({ key: kv.key, value: anyValue(kv.value, depth + 1, maxDepth) }));
}

function span(s: Span, maxDepth: number): Json {
  const out: { [key: string]: Json } = {
    // Trace and span ids: OTLP/JSON writes them as lowercase hex (not base64, unlike other bytes).
    traceId: toHex(s.traceId),
    spanId: toHex(s.spanId),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano.toString(),
    endTimeUnixNano: s.endTimeUnixNano.toString(),
    attributes: keyValues(s.attributes, 0, maxDepth),
    events: s.events.map((e) => ({ name: e.name, timeUnixNano: e.timeUnixNano.toString(), attributes: keyValues(e.attributes, 0, maxDepth) })),
  };
  if (s.parentSpanId.length) out.parentSpanId = toHex(s.parentSpanId);
  if (s.status) out.status = { code: s.status.code, message: s.status.message };
  return out;
}

/**
 * Decodes an ExportTraceServiceRequest (OTLP/HTTP protobuf) into OTLP/JSON's plain shape:
 * ids as hex, 64-bit nanoseconds and intValue as decimal strings, bytesValue as base64,
 * AnyValue's oneof as `{stringValue}`, `{intValue}`, …. Attribute values nested deeper than
 * `maxDepth` are refused (`too_deep`), as is anything that is not a readable message.
 */
export function decodeOtlpTracesProtobuf(bytes: Uint8Array, maxDepth: number): ProtobufDecoded {
  let request: ReturnType<typeof fromBinary<typeof ExportTraceServiceRequestSchema>>;
  try {
    // Each AnyValue level is two messages (AnyValue, ArrayValue/KeyValueList + KeyValue), under an envelope of about ten.
    request = fromBinary(ExportTraceServiceRequestSchema, bytes, { recursionLimit: 2 * maxDepth + 16 });
  } catch (e) {
    if (e instanceof Error && e.message.includes("maximum recursion depth")) return tooDeep(maxDepth);
    return { ok: false, code: "invalid_protobuf", message: `not an ExportTraceServiceRequest: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300) };
  }
  try {
    return {
      ok: true,
      value: {
        resourceSpans: request.resourceSpans.map((rs) => ({
          resource: { attributes: keyValues(rs.resource?.attributes ?? [], 0, maxDepth) },
          scopeSpans: rs.scopeSpans.map((ss) => ({ spans: ss.spans.map((s) => span(s, maxDepth)) })),
        })),
      },
    };
  } catch (e) {
    if (e instanceof TooDeep) return tooDeep(maxDepth);
    throw e;
  }
}

/** ExportTraceServiceResponse, protobuf-encoded: partial_success only when a span was rejected. */
export function encodeOtlpTracesResponse(partialSuccess: { rejectedSpans: number; errorMessage: string } | undefined): Uint8Array<ArrayBuffer> {
  // A copy on its own ArrayBuffer: what a Response body takes.
  return new Uint8Array(
    toBinary(
      ExportTraceServiceResponseSchema,
      create(ExportTraceServiceResponseSchema, {
        ...(partialSuccess ? { partialSuccess: { rejectedSpans: BigInt(partialSuccess.rejectedSpans), errorMessage: partialSuccess.errorMessage } } : {}),
      }),
    ),
  );
}

function logRecord(r: LogRecord, maxDepth: number): Json {
  const out: { [key: string]: Json } = {
    timeUnixNano: r.timeUnixNano.toString(),
    observedTimeUnixNano: r.observedTimeUnixNano.toString(),
    severityNumber: r.severityNumber,
    attributes: keyValues(r.attributes, 0, maxDepth),
  };
  if (r.body) out.body = anyValue(r.body, 0, maxDepth);
  if (r.severityText) out.severityText = r.severityText;
  if (r.eventName) out.eventName = r.eventName;
  if (r.traceId.length) out.traceId = toHex(r.traceId);
  if (r.spanId.length) out.spanId = toHex(r.spanId);
  return out;
}

/** Decodes an ExportLogsServiceRequest (OTLP/HTTP protobuf) into OTLP/JSON's plain shape, like the traces decoder. */
export function decodeOtlpLogsProtobuf(bytes: Uint8Array, maxDepth: number): ProtobufLogsDecoded {
  let request: ReturnType<typeof fromBinary<typeof ExportLogsServiceRequestSchema>>;
  try {
    request = fromBinary(ExportLogsServiceRequestSchema, bytes, { recursionLimit: 2 * maxDepth + 16 });
  } catch (e) {
    if (e instanceof Error && e.message.includes("maximum recursion depth")) return tooDeep(maxDepth);
    return { ok: false, code: "invalid_protobuf", message: `not an ExportLogsServiceRequest: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300) };
  }
  try {
    return {
      ok: true,
      value: {
        resourceLogs: request.resourceLogs.map((rl) => ({
          resource: { attributes: keyValues(rl.resource?.attributes ?? [], 0, maxDepth) },
          scopeLogs: rl.scopeLogs.map((sl) => ({ logRecords: sl.logRecords.map((r) => logRecord(r, maxDepth)) })),
        })),
      },
    };
  } catch (e) {
    if (e instanceof TooDeep) return tooDeep(maxDepth);
    throw e;
  }
}

/** ExportLogsServiceResponse, protobuf-encoded: partial_success only when a record was rejected. */
export function encodeOtlpLogsResponse(partialSuccess: { rejectedLogRecords: number; errorMessage: string } | undefined): Uint8Array<ArrayBuffer> {
  return new Uint8Array(
    toBinary(
      ExportLogsServiceResponseSchema,
      create(ExportLogsServiceResponseSchema, {
        ...(partialSuccess
          ? { partialSuccess: { rejectedLogRecords: BigInt(partialSuccess.rejectedLogRecords), errorMessage: partialSuccess.errorMessage } }
          : {}),
      }),
    ),
  );
}

/** google.rpc.Code for an HTTP status, as OTLP/HTTP pairs them. */
function rpcCode(httpStatus: number): number {
  if (httpStatus === 401) return 16; // UNAUTHENTICATED
  if (httpStatus === 403) return 7; // PERMISSION_DENIED
  if (httpStatus === 404) return 5; // NOT_FOUND
  if (httpStatus === 429) return 8; // RESOURCE_EXHAUSTED
  if (httpStatus === 503) return 14; // UNAVAILABLE
  if (httpStatus >= 500) return 13; // INTERNAL
  return 3; // INVALID_ARGUMENT
}

/** An OTLP/HTTP error body in the protobuf encoding: a google.rpc.Status with the error's message. */
export function encodeOtlpStatus(httpStatus: number, message: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(toBinary(StatusSchema, create(StatusSchema, { code: rpcCode(httpStatus), message })));
}

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ExportTraceServiceRequestSchema, ExportTraceServiceResponseSchema } from "./gen/otlp/opentelemetry/proto/collector/trace/v1/trace_service_pb";
import type { AnyValue, KeyValue } from "./gen/otlp/opentelemetry/proto/common/v1/common_pb";
import type { Span } from "./gen/otlp/opentelemetry/proto/trace/v1/trace_pb";

/*
 * OTLP/HTTP's protobuf encoding (ExportTraceServiceRequest / ExportTraceServiceResponse), decoded
 * with protobuf-es' generated descriptors (src/domain/gen/otlp, `npm run gen:otlp` from proto/):
 * no code is generated at run time, so it runs in workerd. The request becomes the plain shape of
 * the OTLP/JSON encoding, so both encodings go through the same otlpTracesSchema and mapGenAiSpans
 * (src/domain/otlp.ts) and give the same events with the same ids.
 */

/** A JSON value in OTLP/JSON's shape (what JSON.parse would give for the same request). */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export type ProtobufDecoded = { ok: true; value: { resourceSpans: Json[] } } | { ok: false; code: "invalid_protobuf" | "too_deep"; message: string };

class TooDeep extends Error {}

const tooDeep = (maxDepth: number): ProtobufDecoded => ({ ok: false, code: "too_deep", message: `attribute values are nested deeper than ${maxDepth} levels` });

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
/** Trace and span ids: OTLP/JSON writes them as lowercase hex (not base64, unlike other bytes). */
const hex = (bytes: Uint8Array) => {
  let out = "";
  for (const b of bytes) out += HEX[b];
  return out;
};

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
    traceId: hex(s.traceId),
    spanId: hex(s.spanId),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano.toString(),
    endTimeUnixNano: s.endTimeUnixNano.toString(),
    attributes: keyValues(s.attributes, 0, maxDepth),
    events: s.events.map((e) => ({ name: e.name, timeUnixNano: e.timeUnixNano.toString(), attributes: keyValues(e.attributes, 0, maxDepth) })),
  };
  if (s.parentSpanId.length) out.parentSpanId = hex(s.parentSpanId);
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

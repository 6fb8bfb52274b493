import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ExportTraceServiceRequestSchema,
  ExportTraceServiceResponseSchema,
} from "../../src/domain/gen/otlp/opentelemetry/proto/collector/trace/v1/trace_service_pb";
import { type AnyValue, AnyValueSchema } from "../../src/domain/gen/otlp/opentelemetry/proto/common/v1/common_pb";
import { StatusSchema } from "../../src/domain/gen/otlp/google/rpc/status_pb";
import { call, createKey, getEvent } from "./helpers";

let key: string;

beforeAll(async () => {
  key = (await createKey("otlp-protobuf-tests")).key;
});

const fromHex = (hex: string) => new Uint8Array(hex.match(/../g)!.map((b) => Number.parseInt(b, 16)));
const str = (key: string, value: string) => ({ key, value: { value: { case: "stringValue" as const, value } } });
const int = (key: string, value: bigint) => ({ key, value: { value: { case: "intValue" as const, value } } });

/** An ExportTraceServiceRequest built with the generated code: a GenAI chat span (or a plain one), in the trace `trace`. */
function request(trace: string, spans: { spanId: string; genai?: boolean; traceId?: Uint8Array }[]): Uint8Array<ArrayBuffer> {
  const message = create(ExportTraceServiceRequestSchema, {
    resourceSpans: [
      {
        resource: { attributes: [str("service.name", "proto-agent")] },
        scopeSpans: [
          {
            scope: { name: "test" },
            spans: spans.map((s) => ({
              traceId: s.traceId ?? fromHex(trace),
              spanId: fromHex(s.spanId),
              name: s.genai === false ? "GET /" : "chat gpt-4o",
              kind: 3,
              startTimeUnixNano: 1767225600000000000n,
              endTimeUnixNano: 1767225601250000000n,
              attributes:
                s.genai === false
                  ? [str("http.request.method", "GET")]
                  : [
                      str("gen_ai.operation.name", "chat"),
                      str("gen_ai.request.model", "gpt-4o"),
                      int("gen_ai.usage.input_tokens", 97n),
                      str("gen_ai.input.messages", JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] }])),
                      str("gen_ai.output.messages", JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "Rainy, 57°F." }] }])),
                    ],
              status: { code: 1 },
            })),
          },
        ],
      },
    ],
  });
  return new Uint8Array(toBinary(ExportTraceServiceRequestSchema, message));
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Response(new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
}

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  call("/v1/otlp/v1/traces", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-protobuf", ...headers }, body });

const response = async (res: Response) => fromBinary(ExportTraceServiceResponseSchema, new Uint8Array(await res.arrayBuffer()));

describe("POST /v1/otlp/v1/traces with protobuf", () => {
  const TRACE = "7a8efff798038103d269b633813fc60c";

  it("stores a GenAI span as the event <traceId>:<spanId> (hex) and answers an ExportTraceServiceResponse", async () => {
    const res = await post(request(TRACE, [{ spanId: "eee19b7ec3c1b174" }, { spanId: "bbb19b7ec3c1b176", genai: false }]));
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/x-protobuf");
    expect((await response(res)).partialSuccess).toBeUndefined();

    const got = await getEvent(key, `${TRACE}:eee19b7ec3c1b174`);
    expect(got.status).toBe(200);
    const { event } = await got.json<{ event: Record<string, any> }>();
    expect(event).toMatchObject({
      type: "gen_ai.chat",
      source: "proto-agent",
      model: "gpt-4o",
      tokens_in: 97,
      latency_ms: 1250,
      outcome: "success",
      trace_id: TRACE,
      span_id: "eee19b7ec3c1b174",
      timestamp: "2026-01-01T00:00:00.000Z",
    });
    expect(event.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: "Rainy, 57°F." },
    ]);
    expect((await getEvent(key, `${TRACE}:bbb19b7ec3c1b176`)).status).toBe(404);
    // A replay is a duplicate, as for JSON.
    expect((await response(await post(request(TRACE, [{ spanId: "eee19b7ec3c1b174" }])))).partialSuccess).toBeUndefined();
  });

  it("decodes gzip, for protobuf and for JSON", async () => {
    const res = await post(await gzip(request(TRACE, [{ spanId: "ccc19b7ec3c1b177" }])), { "Content-Encoding": "gzip" });
    expect(res.headers.get("Content-Type")).toBe("application/x-protobuf");
    expect(res.status).toBe(200);
    expect((await getEvent(key, `${TRACE}:ccc19b7ec3c1b177`)).status).toBe(200);

    const span = {
      traceId: TRACE,
      spanId: "ddd19b7ec3c1b178",
      startTimeUnixNano: "1767225600000000000",
      attributes: [{ key: "gen_ai.prompt", value: { stringValue: "Say hi" } }],
    };
    const json = new TextEncoder().encode(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }));
    const jsonRes = await post(await gzip(json), { "Content-Type": "application/json", "Content-Encoding": "gzip" });
    expect(jsonRes.status).toBe(200);
    expect(jsonRes.headers.get("Content-Type")).toContain("application/json");
    expect(await jsonRes.json()).toMatchObject({ accepted: 1 });
    const { event } = await (await getEvent(key, `${TRACE}:ddd19b7ec3c1b178`)).json<{ event: Record<string, any> }>();
    expect(event.query).toBe("Say hi");
  });

  it("answers partial success in protobuf for a span it cannot read", async () => {
    const res = await post(request(TRACE, [{ spanId: "eee29b7ec3c1b174", traceId: new Uint8Array(3) }, { spanId: "eee39b7ec3c1b174" }]));
    expect(res.status).toBe(200);
    const answer = await response(res);
    expect(answer.partialSuccess?.rejectedSpans).toBe(1n);
    expect(answer.partialSuccess?.errorMessage).toContain("spans.0.traceId");
    expect((await getEvent(key, `${TRACE}:eee39b7ec3c1b174`)).status).toBe(200);
  });

  it("refuses a malformed body with 400, never 5xx", async () => {
    const valid = request(TRACE, [{ spanId: "fff19b7ec3c1b174" }]);
    const bodies: [string, BodyInit, Record<string, string>][] = [
      ["truncated", valid.slice(0, valid.length - 5), {}],
      ["garbage", new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), {}],
      ["JSON text", '{"resourceSpans":[]}', {}],
      ["not gzip", valid, { "Content-Encoding": "gzip" }],
    ];
    for (const [what, body, headers] of bodies) {
      const res = await post(body, headers);
      expect(res.status, what).toBe(400);
      // OTLP/HTTP: a protobuf request's failure is a protobuf google.rpc.Status (INVALID_ARGUMENT) naming the error.
      expect(res.headers.get("Content-Type"), what).toBe("application/x-protobuf");
      const status = fromBinary(StatusSchema, new Uint8Array(await res.arrayBuffer()));
      expect(status.code, what).toBe(3);
      expect(status.message, what).toMatch(/^invalid_(protobuf|gzip): /);
    }
    // Attribute values nested past MAX_OTLP_DEPTH (64): too_deep, as for JSON; past the decoder's own limit too.
    for (const levels of [70, 100, 1000]) {
      let deep: AnyValue = create(AnyValueSchema, { value: { case: "stringValue", value: "x" } });
      for (let i = 0; i < levels; i++) deep = create(AnyValueSchema, { value: { case: "arrayValue", value: { values: [deep] } } });
      const spans = [{ traceId: fromHex(TRACE), spanId: fromHex("fff29b7ec3c1b174"), attributes: [{ key: "gen_ai.x", value: deep }] }];
      const nested = create(ExportTraceServiceRequestSchema, { resourceSpans: [{ scopeSpans: [{ spans }] }] });
      const res = await post(new Uint8Array(toBinary(ExportTraceServiceRequestSchema, nested)));
      expect(res.status, `${levels} levels`).toBe(400);
      expect(fromBinary(StatusSchema, new Uint8Array(await res.arrayBuffer())).message, `${levels} levels`).toMatch(/^too_deep: /);
    }
  });

  it("limits the body as sent and once decompressed (413), and refuses other encodings (415)", async () => {
    // 256 KiB is the test MAX_BODY_BYTES: a 1 MiB string compresses to about a kilobyte.
    const big = create(ExportTraceServiceRequestSchema, {
      resourceSpans: [
        {
          scopeSpans: [
            { spans: [{ traceId: fromHex(TRACE), spanId: fromHex("aaa29b7ec3c1b174"), attributes: [str("gen_ai.prompt", "a".repeat(1024 * 1024))] }] },
          ],
        },
      ],
    });
    const bomb = await gzip(new Uint8Array(toBinary(ExportTraceServiceRequestSchema, big)));
    expect(bomb.byteLength).toBeLessThan(256 * 1024);
    const res = await post(bomb, { "Content-Encoding": "gzip" });
    expect(res.status).toBe(413);
    expect((await post(new Uint8Array(300 * 1024))).status).toBe(413);
    expect((await post(request(TRACE, [{ spanId: "aaa39b7ec3c1b174" }]), { "Content-Encoding": "br" })).status).toBe(415);
    expect((await post(request(TRACE, [{ spanId: "aaa39b7ec3c1b174" }]), { "Content-Type": "text/plain" })).status).toBe(415);
  });
});

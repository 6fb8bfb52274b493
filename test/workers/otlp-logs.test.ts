import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { beforeAll, describe, expect, it } from "vitest";
import { StatusSchema } from "../../src/domain/gen/otlp/google/rpc/status_pb";
import {
  ExportLogsServiceRequestSchema,
  ExportLogsServiceResponseSchema,
} from "../../src/domain/gen/otlp/opentelemetry/proto/collector/logs/v1/logs_service_pb";
import type { AnyValue } from "../../src/domain/gen/otlp/opentelemetry/proto/common/v1/common_pb";
import { call, createKey, eventually, getEvent } from "./helpers";
import { any, attr } from "./otlp-json";

let key: string;

beforeAll(async () => {
  key = (await createKey("otlp-logs-tests")).key;
});

const hex = (n: number, digits: number) => n.toString(16).padStart(digits, "0");
let counter = 1;
/** A fresh trace and span id pair for each test. */
function ids() {
  const n = counter++;
  return { traceId: `${hex(n, 8)}aaaabbbbccccddddeeeeffff`, spanId: `${hex(n, 8)}11112222` };
}

const T0 = 1767225600000000000n;

/** The 1.28–1.36 log records of one LLM call with a tool: system, user, assistant tool call, tool result, then the choice. */
function conversationRecords(traceId: string, spanId: string) {
  const rec = (i: number, eventName: string, body: unknown) => ({
    timeUnixNano: String(T0 + BigInt(i)),
    traceId,
    spanId,
    eventName,
    attributes: [attr("gen_ai.system", "openai")],
    body: any(body),
  });
  return [
    rec(0, "gen_ai.system.message", { content: "You are a Linux admin helper." }),
    rec(1, "gen_ai.user.message", { content: "Which ports are open?" }),
    rec(2, "gen_ai.assistant.message", {
      tool_calls: [{ id: "call_1", type: "function", function: { name: "list_ports", arguments: '{"proto":"tcp"}' } }],
    }),
    rec(3, "gen_ai.tool.message", { id: "call_1", content: "22, 443" }),
    rec(4, "gen_ai.choice", { index: 0, finish_reason: "stop", message: { content: "Ports 22 and 443 are open." } }),
  ];
}

const EXPECTED = [
  { role: "system", content: "You are a Linux admin helper." },
  { role: "user", content: "Which ports are open?" },
  { role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "list_ports", arguments: '{"proto":"tcp"}' } }] },
  { role: "tool", content: "22, 443", tool_call_id: "call_1" },
  { role: "assistant", content: "Ports 22 and 443 are open." },
];

const logsBody = (records: unknown[]) => ({
  resourceLogs: [{ resource: { attributes: [attr("service.name", "log-agent")] }, scopeLogs: [{ logRecords: records }] }],
});

function postLogs(records: unknown[]) {
  return call("/v1/otlp/v1/logs", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify(logsBody(records)),
  });
}

/** The chat span of semconv 1.28–1.36: no message content of its own (that went to the log records). */
function postSpan(traceId: string, spanId: string) {
  return call("/v1/otlp/v1/traces", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [attr("service.name", "log-agent")] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId,
                  name: "chat gpt-4o",
                  startTimeUnixNano: String(T0),
                  endTimeUnixNano: String(T0 + 900_000_000n),
                  attributes: [attr("gen_ai.operation.name", "chat"), attr("gen_ai.system", "openai"), attr("gen_ai.request.model", "gpt-4o")],
                  status: { code: 1 },
                },
              ],
            },
          ],
        },
      ],
    }),
  });
}

async function messagesOf(id: string): Promise<unknown[] | undefined> {
  const r = await getEvent(key, id);
  if (r.status !== 200) return undefined;
  return (await r.json<{ event: { messages?: unknown[] } }>()).event.messages;
}

const withMessages = (id: string, n: number) => eventually(async () => ((await messagesOf(id))?.length === n ? messagesOf(id) : undefined));

describe("POST /v1/otlp/v1/logs: GenAI message records joined to their span's event", () => {
  it("joins records that arrive before their span: the event holds the whole conversation in order", async () => {
    const { traceId, spanId } = ids();
    const logs = await postLogs(conversationRecords(traceId, spanId));
    expect(logs.status).toBe(200);
    expect(await logs.json()).toMatchObject({ accepted: 5, duplicates: 0, rejected: 0, joined: 0 });
    expect((await postSpan(traceId, spanId)).status).toBe(200);
    const event = await eventually(async () => {
      const r = await getEvent(key, `${traceId}:${spanId}`);
      return r.status === 200 ? (await r.json<{ event: Record<string, unknown> }>()).event : undefined;
    });
    expect(event.messages).toEqual(EXPECTED);
    expect(event.query).toBe("Which ports are open?");
    expect(event.response).toBe("Ports 22 and 443 are open.");
    expect(event.session_id).toBe(traceId);
  });

  it("joins records that arrive after their span, and re-scores the event", async () => {
    const { traceId, spanId } = ids();
    const id = `${traceId}:${spanId}`;
    expect((await postSpan(traceId, spanId)).status).toBe(200);
    const first = await eventually(async () => {
      const r = await call(`/v1/events/${id}/score`, { headers: { Authorization: `Bearer ${key}` } });
      return r.status === 200 ? r.json<{ reason: string }>() : undefined;
    });
    expect(first.reason).toBe("ingest");
    const logs = await postLogs(conversationRecords(traceId, spanId));
    expect(await logs.json()).toMatchObject({ accepted: 5, joined: 1 });
    expect(await messagesOf(id)).toEqual(EXPECTED);
    const rescored = await eventually(async () => {
      const r = await call(`/v1/events/${id}/score`, { headers: { Authorization: `Bearer ${key}` } });
      const score = await r.json<{ reason: string; components: { complexity: number | null } }>();
      return score.reason === "content" ? score : undefined;
    });
    expect(rescored.components.complexity).not.toBeNull();
  });

  it("gives the same messages whichever way the records are split around the span, and a replay changes nothing", async () => {
    const { traceId, spanId } = ids();
    const id = `${traceId}:${spanId}`;
    const records = conversationRecords(traceId, spanId);
    await postLogs([records[3], records[1]]);
    await postSpan(traceId, spanId);
    expect(await withMessages(id, 2)).toEqual([EXPECTED[1], EXPECTED[3]]);
    const later = await postLogs([records[4], records[0], records[2]]);
    expect(await later.json()).toMatchObject({ accepted: 3, joined: 1 });
    expect(await messagesOf(id)).toEqual(EXPECTED);
    const replay = await postLogs(records);
    expect(await replay.json()).toMatchObject({ accepted: 0, duplicates: 5, joined: 0 });
    expect(await messagesOf(id)).toEqual(EXPECTED);
  });

  it("keeps the span's own messages over records (semconv 1.37 attributes win)", async () => {
    const { traceId, spanId } = ids();
    const own = [{ role: "user", parts: [{ type: "text", content: "From the span" }] }];
    await call("/v1/otlp/v1/traces", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId,
                    spanId,
                    name: "chat",
                    startTimeUnixNano: String(T0),
                    attributes: [attr("gen_ai.operation.name", "chat"), attr("gen_ai.input.messages", JSON.stringify(own))],
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    const logs = await postLogs(conversationRecords(traceId, spanId));
    expect(await logs.json()).toMatchObject({ accepted: 5, joined: 0 });
    expect(await messagesOf(`${traceId}:${spanId}`)).toEqual([{ role: "user", content: "From the span" }]);
  });

  it("rejects GenAI records without a span context, skips other records, and names the field of a bad one", async () => {
    const { traceId, spanId } = ids();
    const [system] = conversationRecords(traceId, spanId);
    const response = await postLogs([
      { ...system, spanId: "" },
      { timeUnixNano: String(T0), body: any("GET / 200"), severityText: "INFO" },
      { ...system, traceId: "not-hex" },
    ]);
    expect(response.status).toBe(200);
    const body = await response.json<{ rejected: number; skipped_non_genai: number; partialSuccess: { rejectedLogRecords: number; errorMessage: string } }>();
    expect(body.skipped_non_genai).toBe(1);
    expect(body.rejected).toBe(2);
    expect(body.partialSuccess.rejectedLogRecords).toBe(2);
    expect(body.partialSuccess.errorMessage).toContain("resourceLogs.0.scopeLogs.0.logRecords.0: a gen_ai.system.message record needs traceId and spanId");
    expect(body.partialSuccess.errorMessage).toContain("logRecords.2.traceId: must be 32 hex digits");
  });

  it("reads the older event.name attribute and a string body as the message's content", async () => {
    const { traceId, spanId } = ids();
    const r = await postLogs([
      { timeUnixNano: String(T0), traceId, spanId, attributes: [attr("event.name", "gen_ai.user.message")], body: any("plain text question") },
    ]);
    expect(await r.json()).toMatchObject({ accepted: 1 });
    await postSpan(traceId, spanId);
    expect(await withMessages(`${traceId}:${spanId}`, 1)).toEqual([{ role: "user", content: "plain text question" }]);
  });

  it("redacts secrets in record bodies before they are stored", async () => {
    const { traceId, spanId } = ids();
    const secret = `ghp_${"a1B2c3D4e5".repeat(3)}123456`;
    await postLogs([{ timeUnixNano: String(T0), traceId, spanId, eventName: "gen_ai.user.message", body: any({ content: `my token is ${secret}` }) }]);
    await postSpan(traceId, spanId);
    const messages = (await withMessages(`${traceId}:${spanId}`, 1)) as { content: string }[];
    expect(messages[0]?.content).not.toContain(secret);
    expect(messages[0]?.content).toContain("[REDACTED");
  });
});

describe("POST /v1/otlp/v1/logs in protobuf", () => {
  const fromHex = (h: string) => new Uint8Array(h.match(/../g)?.map((b) => Number.parseInt(b, 16)) ?? []);
  const kv = (k: string, v: AnyValue["value"]) => ({ key: k, value: { value: v } });

  it("accepts an ExportLogsServiceRequest and answers an ExportLogsServiceResponse", async () => {
    const { traceId, spanId } = ids();
    const message = create(ExportLogsServiceRequestSchema, {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: T0,
                  traceId: fromHex(traceId),
                  spanId: fromHex(spanId),
                  eventName: "gen_ai.user.message",
                  body: { value: { case: "kvlistValue", value: { values: [kv("content", { case: "stringValue", value: "From protobuf" })] } } },
                },
                { timeUnixNano: T0, eventName: "gen_ai.user.message", body: { value: { case: "stringValue", value: "no span" } } },
              ],
            },
          ],
        },
      ],
    });
    const response = await call("/v1/otlp/v1/logs", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-protobuf" },
      body: new Uint8Array(toBinary(ExportLogsServiceRequestSchema, message)),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/x-protobuf");
    const answer = fromBinary(ExportLogsServiceResponseSchema, new Uint8Array(await response.arrayBuffer()));
    expect(answer.partialSuccess?.rejectedLogRecords).toBe(1n);
    await postSpan(traceId, spanId);
    expect(await withMessages(`${traceId}:${spanId}`, 1)).toEqual([{ role: "user", content: "From protobuf" }]);
  });

  it("answers failures of a protobuf request with a protobuf google.rpc.Status", async () => {
    const bad = await call("/v1/otlp/v1/logs", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-protobuf" },
      body: new Uint8Array([0xff, 0xff, 0xff]),
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("Content-Type")).toBe("application/x-protobuf");
    const status = fromBinary(StatusSchema, new Uint8Array(await bad.arrayBuffer()));
    expect(status.code).toBe(3);
    expect(status.message).toContain("invalid_protobuf");

    const unauthorized = await call("/v1/otlp/v1/traces", {
      method: "POST",
      headers: { Authorization: "Bearer nope", "Content-Type": "application/x-protobuf" },
      body: new Uint8Array(),
    });
    expect(unauthorized.status).toBe(401);
    expect(fromBinary(StatusSchema, new Uint8Array(await unauthorized.arrayBuffer())).code).toBe(16);
  });
});

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, createKey, postEvents, storedEventOf } from "./helpers";
import { any, attr } from "./otlp-json";

/*
 * One multi-turn conversation with a tool, sent through each entrance, comes back from
 * GET /v1/events/{id} with the same messages in the same order and the same tools.
 */

const TOOLS = [
  {
    type: "function",
    function: {
      name: "list_ports",
      description: "Open ports of this host",
      parameters: { type: "object", properties: { proto: { type: "string" } }, required: ["proto"] },
    },
  },
];

const CONVERSATION = [
  { role: "system", content: "You are a Linux admin helper." },
  { role: "user", content: "Hello, I need help with my firewall." },
  { role: "assistant", content: "Sure. What do you want to know?" },
  { role: "user", content: "Which ports are open?" },
  { role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "list_ports", arguments: '{"proto":"tcp"}' } }] },
  { role: "tool", tool_call_id: "call_1", content: "22, 443" },
  { role: "assistant", content: "Ports 22 and 443 are open." },
];

let key: string;
let n = 0;
const trace = () => `${(++n).toString(16).padStart(8, "0")}${"c0ffee00".repeat(3)}`;
const SPAN = "5e5e5e5e5e5e5e5e";

beforeAll(async () => {
  key = (await createKey("entrances-conversation")).key;
});

const post = (path: string, body: unknown, auth = `Bearer ${key}`) =>
  call(path, { method: "POST", headers: { Authorization: auth, "Content-Type": "application/json" }, body: JSON.stringify(body) });

const spans = (traceId: string, attributes: unknown[]) => ({
  resourceSpans: [
    {
      resource: { attributes: [attr("service.name", "entrance-test")] },
      scopeSpans: [{ spans: [{ traceId, spanId: SPAN, name: "chat gpt-4o", startTimeUnixNano: "1767225600000000000", attributes }] }],
    },
  ],
});

/** The conversation in the GenAI semantic conventions 1.37 (typed parts). */
function semconv137() {
  const parts = (m: (typeof CONVERSATION)[number]) => {
    if (m.role === "tool") return { role: "tool", parts: [{ type: "tool_call_response", id: m.tool_call_id, response: m.content }] };
    if (m.tool_calls)
      return {
        role: m.role,
        parts: m.tool_calls.map((c) => ({ type: "tool_call", id: c.id, name: c.function.name, arguments: JSON.parse(c.function.arguments) })),
      };
    return { role: m.role, parts: [{ type: "text", content: m.content }] };
  };
  return [
    attr("gen_ai.operation.name", "chat"),
    attr("gen_ai.system_instructions", JSON.stringify([{ type: "text", content: CONVERSATION[0]?.content }])),
    attr("gen_ai.input.messages", JSON.stringify(CONVERSATION.slice(1, -1).map(parts))),
    attr("gen_ai.output.messages", JSON.stringify([{ ...parts(CONVERSATION[6] as (typeof CONVERSATION)[number]), finish_reason: "stop" }])),
    attr("gen_ai.tool.definitions", JSON.stringify(TOOLS.map((t) => ({ type: "function", ...t.function })))),
  ];
}

/** The conversation as semconv 1.28–1.36 log records. */
function logRecords(traceId: string) {
  const body = (m: (typeof CONVERSATION)[number]) =>
    m.role === "tool" ? { id: m.tool_call_id, content: m.content } : m.tool_calls ? { tool_calls: m.tool_calls } : { content: m.content };
  const records = CONVERSATION.slice(0, -1).map((m, i) => ({
    timeUnixNano: String(1767225600000000000n + BigInt(i)),
    traceId,
    spanId: SPAN,
    eventName: `gen_ai.${m.role}.message`,
    body: any(body(m)),
  }));
  records.push({
    timeUnixNano: "1767225600000000009",
    traceId,
    spanId: SPAN,
    eventName: "gen_ai.choice",
    body: any({ index: 0, finish_reason: "stop", message: { content: CONVERSATION[6]?.content } }),
  });
  return { resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] };
}

async function expectConversation(id: string, options: { tools?: boolean } = {}) {
  const event = await storedEventOf(key, id);
  expect(event.messages).toEqual(CONVERSATION);
  if (options.tools !== false) expect(event.tools).toEqual(TOOLS);
  expect(event.query).toBe("Which ports are open?");
  expect(event.response).toBe("Ports 22 and 443 are open.");
}

describe("a multi-turn conversation with a tool, through each entrance", () => {
  it("HTTP: POST /v1/events", async () => {
    expect(
      (await postEvents(key, [{ id: "entrance-http", type: "chat", source: "t", timestamp: "2026-12-01T00:00:00Z", messages: CONVERSATION, tools: TOOLS }]))
        .status,
    ).toBe(202);
    await expectConversation("entrance-http");
  });

  it("OTLP traces, semantic conventions 1.37", async () => {
    const traceId = trace();
    expect((await post("/v1/otlp/v1/traces", spans(traceId, semconv137()))).status).toBe(200);
    await expectConversation(`${traceId}:${SPAN}`);
  });

  it("OTLP logs, semantic conventions 1.28–1.36, joined to their span", async () => {
    const traceId = trace();
    expect((await post("/v1/otlp/v1/logs", logRecords(traceId))).status).toBe(200);
    expect((await post("/v1/otlp/v1/traces", spans(traceId, [attr("gen_ai.operation.name", "chat")]))).status).toBe(200);
    // Log records carry no tool definitions.
    await expectConversation(`${traceId}:${SPAN}`, { tools: false });
  });

  it("Langfuse's OTLP path, with a generation's input and output", async () => {
    const traceId = trace();
    const attributes = [
      attr("langfuse.observation.type", "generation"),
      attr("langfuse.observation.input", JSON.stringify({ messages: CONVERSATION.slice(0, -1), tools: TOOLS })),
      attr("langfuse.observation.output", JSON.stringify(CONVERSATION[6])),
    ];
    const r = await post("/api/public/otel/v1/traces", spans(traceId, attributes), `Basic ${btoa(`pk-lf-any:${key}`)}`);
    expect(r.status).toBe(200);
    await expectConversation(`${traceId}:${SPAN}`);
  });

  it("the logging proxy: the client's messages and tools, the answer last", async () => {
    await fetch(`${env.TEST_FAKE_AI_URL}/ns/entrance-text/__mode`, { method: "POST", body: JSON.stringify({ mode: "text" }) });
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("http://gleaner.test/v1/proxy/text/chat/completions", {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model: "fake-model", messages: CONVERSATION.slice(0, -1), tools: TOOLS }),
      }),
      { ...env, PROXY_UPSTREAMS: `text=${env.TEST_FAKE_AI_URL}/ns/entrance-text/v1` },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const answer = (await res.json<{ choices: { message: { content: string } }[] }>()).choices[0]?.message.content;
    const event = await storedEventOf(key, res.headers.get("Gleaner-Event-Id") ?? "");
    expect(event.messages).toEqual([...CONVERSATION.slice(0, -1), { role: "assistant", content: answer }]);
    expect(event.tools).toEqual(TOOLS);
  });
});

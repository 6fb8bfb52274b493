import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createKey, event, eventually, getEvent, postEvents } from "./helpers";

let key: string;

beforeAll(async () => {
  key = (await createKey("conversations")).key;
});

const TOOLS = [
  {
    type: "function",
    function: {
      name: "list_ports",
      description: "Open ports of a host",
      parameters: { type: "object", properties: { host: { type: "string" } }, required: ["host"] },
    },
  },
];

const MESSAGES = [
  { role: "system", content: "You are a careful sysadmin." },
  { role: "user", content: "Which services listen on web-1?" },
  { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "list_ports", arguments: '{"host":"web-1"}' } }] },
  { role: "tool", tool_call_id: "call_1", content: "[22, 80, 443]" },
  { role: "assistant", content: "ssh on 22, http on 80 and https on 443." },
  { role: "user", content: [{ type: "text", text: "and now the ports?" }] },
  { role: "assistant", content: "22, 80 and 443." },
];

type Stored = { schema_version: number; event: Record<string, unknown> & { messages?: unknown[]; query?: string; response?: string } };

describe("POST /v1/events with whole conversations (schema v2)", () => {
  it("stores every message, tool call and tool definition in order and reads them back", async () => {
    const res = await postEvents(key, [
      event("conv-1", { query: undefined, response: undefined, messages: MESSAGES, tools: TOOLS, trace_id: "t-1", span_id: "s-1" }),
    ]);
    expect(res.status).toBe(202);
    const stored = await (await getEvent(key, "conv-1")).json<Stored>();
    expect(stored.schema_version).toBe(2);
    expect(stored.event.messages).toEqual(MESSAGES);
    expect(stored.event.tools).toEqual(TOOLS);
    expect(stored.event).toMatchObject({ trace_id: "t-1", span_id: "s-1", query: "and now the ports?", response: "22, 80 and 443." });
  });

  it("redacts secrets in message parts and tool arguments", async () => {
    const secret = `ghp_${"Zq8vT2mK9xL4pR7sW1nB3dF5hJ7kM9pQ2rS4"}`;
    const messages = [
      { role: "user", content: [{ type: "text", text: `my token is ${secret}` }] },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c", type: "function", function: { name: "login", arguments: JSON.stringify({ token: secret }) } }],
      },
    ];
    expect((await postEvents(key, [event("conv-secret", { query: undefined, response: undefined, messages })])).status).toBe(202);
    const text = await (await getEvent(key, "conv-secret")).text();
    expect(text).not.toContain(secret);
  });

  it("names the field of a malformed message", async () => {
    const res = await postEvents(key, [event("conv-bad", { messages: [{ role: "wizard", content: "x" }] }), event("conv-ok")]);
    expect(res.status).toBe(207);
    const body = await res.json<{ results: { status: string; errors?: { path: string }[] }[] }>();
    expect(body.results[0]!.errors![0]!.path).toBe("messages.0.role");
  });

  it("reads a v1 event back as v2 with the same text as a user and an assistant message", async () => {
    await env.DB.prepare(
      `INSERT INTO events (project, event_id, batch_id, schema_version, type, source, client_timestamp, client_time_ms, received_at, status, payload)
       VALUES ('conversations', 'old-v1', 'b-old-v1', 1, 't', 's', '2026-01-01T00:00:00Z', 1, 1, 'processed',
               json_object('id', 'old-v1', 'type', 't', 'source', 's', 'timestamp', '2026-01-01T00:00:00Z', 'query', 'How do I rotate logs?', 'response', 'Use logrotate.'))`,
    ).run();
    const stored = await (await getEvent(key, "old-v1")).json<Stored>();
    expect(stored.schema_version).toBe(1);
    expect(stored.event.messages).toEqual([
      { role: "user", content: "How do I rotate logs?" },
      { role: "assistant", content: "Use logrotate." },
    ]);
    expect(stored.event).toMatchObject({ query: "How do I rotate logs?", response: "Use logrotate." });
  });

  it("gives an event sent with query and response only its conversation on read, and scores it as before", async () => {
    expect((await postEvents(key, [event("conv-plain")])).status).toBe(202);
    const stored = await eventually(async () => {
      const s = await (await getEvent(key, "conv-plain")).json<Stored & { status: string }>();
      return s.status === "processed" ? s : undefined;
    });
    expect(stored.event.messages).toEqual([
      { role: "user", content: "How do I rotate logs safely?" },
      { role: "assistant", content: "Use copytruncate or reopen the file after rename." },
    ]);
  });
});

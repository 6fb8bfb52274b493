import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkChatExample } from "../../src/domain/datasets/format-check";
import { type FakeOpenAIUpstream, MODEL, startFakeOpenAIUpstream, WEATHER_CALL, WEATHER_RESULT, WEATHER_TOOL } from "./fake-openai-upstream";
import { ADMIN, createKey, type GleanerProcess, startProcess, tempDataDir, waitFor } from "./gleaner-process";

// Issue 18's check: a conversation with a system prompt, three user turns and a tool call, sent through
// the proxy with the official openai SDK, comes out of the openai-chat export whole, with the tool
// definitions, and passes the format checker.

let upstream: FakeOpenAIUpstream;
let gleaner: GleanerProcess;
let key: string;

beforeAll(async () => {
  upstream = await startFakeOpenAIUpstream();
  gleaner = await startProcess(tempDataDir(), { PROXY_UPSTREAMS: `fake=${upstream.url}/v1|FAKE_UPSTREAM_KEY`, FAKE_UPSTREAM_KEY: "sk-fake-upstream-key" });
  key = await createKey(gleaner.base, "dataset-export-openai");
}, 120_000);

afterAll(async () => {
  gleaner?.child.kill("SIGINT");
  await gleaner?.exited;
  await upstream?.close();
});

const CONVERSATION: ChatCompletionMessageParam[] = [
  { role: "system", content: "You are a travel assistant. Use the tools for live data." },
  { role: "user", content: "Hi! I'm going to Paris tomorrow." },
  { role: "assistant", content: "Great. What would you like to know?" },
  { role: "user", content: "Should I pack an umbrella?" },
  { role: "assistant", content: "I can check the forecast for you." },
  { role: "user", content: "What's the weather in Paris?" },
  { role: "assistant", content: null, tool_calls: [WEATHER_CALL] },
  { role: "tool", tool_call_id: WEATHER_CALL.id, content: WEATHER_RESULT },
];

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${gleaner.base}${path}`, { ...init, headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...init.headers } });

describe("a proxied conversation in the openai-chat export", () => {
  it("keeps every message and the tool definitions, and passes the format checker", async () => {
    const client = new OpenAI({ baseURL: `${gleaner.base}/v1/proxy/fake`, apiKey: key, maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: MODEL, messages: CONVERSATION, tools: [WEATHER_TOOL] }).withResponse();
    const id = response.headers.get("Gleaner-Event-Id") ?? "";
    expect(id).not.toBe("");
    // The proxy cannot know the outcome: a rating gives it one; the dataset takes rated successes.
    await api("/v1/datasets/default", { method: "PUT", body: JSON.stringify({ rules: { min_value: 0.3 } }) });
    await waitFor(async () => ((await api(`/v1/events/${encodeURIComponent(id)}`)).status === 200 ? true : undefined), 30_000);
    await api("/v1/feedback", { method: "POST", body: JSON.stringify({ event_id: id, rating: 1, outcome: "success" }) });
    await waitFor(async () => {
      const r = await api(`/v1/events/${encodeURIComponent(id)}/score`);
      return r.status === 200 && ((await r.json()) as { reason: string }).reason === "feedback" ? true : undefined;
    }, 30_000);
    const job = await fetch(`${gleaner.base}/v1/admin/jobs/datasets/run`, { method: "POST", headers: ADMIN, body: "{}" });
    expect(job.status).toBe(200);
    expect((await api("/v1/datasets/default/snapshots", { method: "POST" })).status).toBe(201);
    const exported = await api("/v1/datasets/default/snapshots/current.jsonl?format=openai-chat");
    expect(exported.status).toBe(200);
    const lines = (await exported.text()).split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    const example = JSON.parse(lines[0] ?? "{}");
    expect(example.messages.slice(0, CONVERSATION.length)).toEqual(CONVERSATION);
    expect(example.messages.at(-1).role).toBe("assistant");
    expect(example.messages.filter((m: { role: string }) => m.role === "user")).toHaveLength(3);
    expect(example.tools).toEqual([WEATHER_TOOL]);
    expect(checkChatExample(example, { maxTokens: 32768 })).toMatchObject({ ok: true });
  });
});

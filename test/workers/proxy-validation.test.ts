import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { validateProxyRequest } from "../../src/domain/proxy-requests";
import worker from "../../src/index";
import { createKey } from "./helpers";

/** Its own namespace of the fake upstream, so the call count is this file's alone. */
const NS = "proxy-validation";
const UPSTREAMS = { PROXY_UPSTREAMS: `counted=${env.TEST_FAKE_AI_URL}/ns/${NS}/v1` };

let key: string;

beforeAll(async () => {
  key = (await createKey("proxy-validation-tests")).key;
});

async function post(op: string, body: string): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://gleaner.test/v1/proxy/counted/${op}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body,
    }),
    { ...env, ...UPSTREAMS },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

const upstreamCalls = async () => (await (await fetch(`${env.TEST_FAKE_AI_URL}/ns/${NS}/__calls`)).json<{ calls: number }>()).calls;
const lastForwarded = async () => (await fetch(`${env.TEST_FAKE_AI_URL}/ns/${NS}/__last`)).json<{ body: string; authorization: string | null }>();

type ErrorBody = { error: { code: string; message: string; details: { errors: { path: string; message: string }[] } } };

const ok = { model: "fake-model", messages: [{ role: "user", content: "How do I rotate logs?" }] };

/** Bodies that must be refused before the upstream is called, and the field each names (or lies under). */
const BAD: { name: string; op: string; body: string; code: string; path: string }[] = [
  { name: "null", op: "chat/completions", body: "null", code: "validation_failed", path: "" },
  { name: "an array", op: "chat/completions", body: "[]", code: "validation_failed", path: "" },
  { name: "a string", op: "chat/completions", body: '"hello"', code: "validation_failed", path: "" },
  { name: "a null message", op: "chat/completions", body: JSON.stringify({ ...ok, messages: [null] }), code: "validation_failed", path: "messages.0" },
  { name: "no messages", op: "chat/completions", body: JSON.stringify({ ...ok, messages: [] }), code: "validation_failed", path: "messages" },
  { name: "a numeric model", op: "chat/completions", body: JSON.stringify({ ...ok, model: 4 }), code: "validation_failed", path: "model" },
  { name: "no model", op: "chat/completions", body: JSON.stringify({ messages: ok.messages }), code: "validation_failed", path: "model" },
  {
    name: "a role-less message",
    op: "chat/completions",
    body: JSON.stringify({ ...ok, messages: [{ content: "hi" }] }),
    code: "validation_failed",
    path: "messages.0.role",
  },
  {
    name: "numeric content",
    op: "chat/completions",
    body: JSON.stringify({ ...ok, messages: [{ role: "user", content: 5 }] }),
    code: "validation_failed",
    path: "messages.0.content",
  },
  {
    name: "a content part without type",
    op: "chat/completions",
    body: JSON.stringify({ ...ok, messages: [{ role: "user", content: [{ text: "hi" }] }] }),
    code: "validation_failed",
    path: "messages.0.content",
  },
  { name: "stream as a string", op: "chat/completions", body: JSON.stringify({ ...ok, stream: "yes" }), code: "validation_failed", path: "stream" },
  { name: "tools not an array", op: "chat/completions", body: JSON.stringify({ ...ok, tools: {} }), code: "validation_failed", path: "tools" },
  { name: "a prompt-less completion", op: "completions", body: JSON.stringify({ model: "fake-model" }), code: "validation_failed", path: "prompt" },
  { name: "an object prompt", op: "completions", body: JSON.stringify({ model: "fake-model", prompt: { a: 1 } }), code: "validation_failed", path: "prompt" },
  { name: "an object embedding input", op: "embeddings", body: JSON.stringify({ model: "fake-model", input: {} }), code: "validation_failed", path: "input" },
  { name: "an empty embedding input", op: "embeddings", body: JSON.stringify({ model: "fake-model", input: [] }), code: "validation_failed", path: "input" },
  { name: "not JSON", op: "chat/completions", body: "{model:", code: "invalid_json", path: "" },
  {
    name: "a duplicate key",
    op: "chat/completions",
    body: '{"model":"fake-model","model":"other","messages":[{"role":"user","content":"hi"}]}',
    code: "duplicate_key",
    path: "model",
  },
  {
    name: "a lone surrogate",
    op: "chat/completions",
    body: '{"model":"fake-model","messages":[{"role":"user","content":"\\ud800"}]}',
    code: "invalid_unicode",
    path: "messages.0.content",
  },
  {
    name: "nesting deeper than 32",
    op: "chat/completions",
    body: JSON.stringify({ ...ok, extra: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`) }),
    code: "too_deep",
    path: "extra",
  },
];

describe("POST /v1/proxy/{upstream}/{op} validates the body before calling out", () => {
  it.each(BAD)("refuses $name with 400 naming the field, without calling the upstream", async ({ op, body, code, path }) => {
    const before = await upstreamCalls();
    const res = await post(op, body);
    const answer = await res.json<ErrorBody>();
    expect(res.status, JSON.stringify(answer)).toBe(400);
    expect(answer.error.code).toBe(code);
    expect(
      answer.error.details.errors.some((e) => e.path === path || e.path.startsWith(`${path}.`)),
      JSON.stringify(answer),
    ).toBe(true);
    expect(answer.error.details.errors.every((e) => e.message.length > 0)).toBe(true);
    expect(res.headers.get("Gleaner-Event-Id")).toBeNull();
    expect(await upstreamCalls()).toBe(before);
  });

  it("forwards the validated object, unknown fields kept, not the text as sent", async () => {
    const sent = {
      ...ok,
      temperature: 0.2,
      x_vendor_option: { nested: [1, 2] },
      messages: [
        { role: "system", content: null },
        { role: "user", content: [{ type: "text", text: "How do I rotate logs?" }], name: "u1" },
      ],
      tools: [{ type: "function", function: { name: "rotate", parameters: { type: "object" } } }],
    };
    const text = JSON.stringify(sent, null, 2);
    const before = await upstreamCalls();
    const res = await post("chat/completions", text);
    expect(res.status).toBe(200);
    await res.text();
    expect(await upstreamCalls()).toBe(before + 1);
    const forwarded = await lastForwarded();
    expect(forwarded.body).not.toBe(text);
    expect(forwarded.body).not.toContain("\n");
    expect(JSON.parse(forwarded.body)).toEqual(sent);
    expect(forwarded.authorization).toBeNull();
  });

  it("accepts every documented shape of prompt and input", async () => {
    for (const prompt of ["Rotating logs", ["a", "b"], [1, 2, 3], [[1, 2], [3]]]) {
      expect(validateProxyRequest("completions", { model: "m", prompt }).ok, JSON.stringify(prompt)).toBe(true);
    }
    for (const input of ["one", ["one", "two"], [5, 6], [[5], [6]]]) {
      expect(validateProxyRequest("embeddings", { model: "m", input }).ok, JSON.stringify(input)).toBe(true);
    }
    const res = await post("embeddings", JSON.stringify({ model: "fake-model-8", input: ["one", "two"] }));
    expect(res.status).toBe(200);
    expect((await res.json<{ data: unknown[] }>()).data).toHaveLength(2);
  });
});

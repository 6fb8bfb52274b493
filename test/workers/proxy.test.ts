import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, createKey, eventually, getEvent, storedEventOf } from "./helpers";

/** Calls the worker with some bindings changed (other upstreams, flags), and waits for its waitUntil work. */
async function callWith(bindings: Record<string, string>, path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://gleaner.test${path}`, init), { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const storedEvent = (id: string) => storedEventOf(key, id);

let key: string;

beforeAll(async () => {
  key = (await createKey("proxy-tests")).key;
  await fetch(`${env.TEST_FAKE_AI_URL}/ns/moved/__mode`, { method: "POST", body: JSON.stringify({ mode: "redirect" }) });
  await fetch(`${env.TEST_FAKE_AI_URL}/ns/proxy-echo/__mode`, { method: "POST", body: JSON.stringify({ mode: "echo" }) });
});

const EVENT_ID = /^proxy:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const headers = () => ({ Authorization: `Bearer ${key}`, "Content-Type": "application/json" });
const chat = (stream: boolean) => JSON.stringify({ model: "fake-model", stream, messages: [{ role: "user", content: "How do I rotate logs?" }] });

describe("OpenAI-compatible logging proxy", () => {
  it("passes a streamed completion through chunk by chunk and records one event", async () => {
    const started = Date.now();
    const res = await call("/v1/proxy/local/chat/completions", { method: "POST", headers: headers(), body: chat(true) });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/event-stream");
    const eventId = res.headers.get("Gleaner-Event-Id")!;
    // Known before the first byte, chosen by Gleaner.
    expect(eventId).toMatch(EVENT_ID);
    expect(res.headers.get("X-Gleaner-Event-Id")).toBe(eventId);
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push(Date.now() - started);
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain("copytruncate");
    expect(text).toContain("[DONE]");
    // The upstream sends a chunk every 100 ms: the first must arrive long before the last.
    expect(arrivals.length).toBeGreaterThanOrEqual(4);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(300);

    const stored = await eventually(async () => {
      const r = await getEvent(key, eventId);
      return r.status === 200 ? r.json<{ event: Record<string, unknown> }>() : undefined;
    });
    expect(stored.event).toMatchObject({
      type: "proxy.chat.completions",
      source: "proxy:local",
      query: "How do I rotate logs?",
      response: "Use logrotate with copytruncate.",
      model: "fake-model",
      tokens_in: 12,
      tokens_out: 5,
      outcome: "success",
      attributes: { upstream: "local", operation: "chat/completions", status: 200, stream: true },
    });
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM events WHERE event_id = ?1").bind(eventId).first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("passes a plain completion through unchanged and logs it", async () => {
    const res = await call("/v1/proxy/local/chat/completions", { method: "POST", headers: headers(), body: chat(false) });
    expect(res.status).toBe(200);
    const body = await res.json<{ choices: { message: { content: string } }[] }>();
    expect(body.choices[0]!.message.content).toContain("problem");
    const eventId = res.headers.get("Gleaner-Event-Id")!;
    await eventually(async () => ((await getEvent(key, eventId)).status === 200 ? true : undefined));
  });

  it("refuses an unlisted upstream, another operation, a path with '..' and a redirect to another host", async () => {
    const unknown = await call("/v1/proxy/evil/chat/completions", { method: "POST", headers: headers(), body: chat(false) });
    expect(unknown.status).toBe(404);
    expect((await unknown.json<{ error: { code: string } }>()).error.code).toBe("unknown_upstream");
    const other = await call("/v1/proxy/local/models/delete", { method: "POST", headers: headers(), body: "{}" });
    expect((await other.json<{ error: { code: string } }>()).error.code).toBe("not_proxied");
    const traversal = await call("/v1/proxy/local/..%2f..%2fadmin/chat/completions", { method: "POST", headers: headers(), body: "{}" });
    expect(traversal.status).toBe(400);
    expect((await traversal.json<{ error: { code: string } }>()).error.code).toBe("invalid_path");
    // Plain and %2e dot segments are resolved by URL parsing before routing: they never reach a proxy route.
    const resolved = await call("/v1/proxy/local/%2e%2e/%2e%2e/admin/keys", { method: "POST", headers: headers(), body: "{}" });
    expect(resolved.status).toBe(403);
    const redirect = await call("/v1/proxy/moved/chat/completions", { method: "POST", headers: headers(), body: chat(false) });
    expect(redirect.status).toBe(502);
    expect((await redirect.json<{ error: { code: string; message: string } }>()).error.message).toContain("redirects are not followed");
  });

  it("names and records the event of a call that failed upstream (5xx, redirect), with the reason", async () => {
    await fetch(`${env.TEST_FAKE_AI_URL}/ns/proxy-down/__mode`, { method: "POST", body: JSON.stringify({ mode: "down" }) });
    const down = await callWith({ PROXY_UPSTREAMS: `down=${env.TEST_FAKE_AI_URL}/ns/proxy-down/v1` }, "/v1/proxy/down/chat/completions", {
      method: "POST",
      headers: headers(),
      body: chat(false),
    });
    expect(down.status).toBe(502);
    const id = down.headers.get("Gleaner-Event-Id");
    expect(id).toMatch(EVENT_ID);
    const event = await storedEvent(id ?? "");
    expect(event).toMatchObject({ outcome: "failure", query: "How do I rotate logs?" });
    expect(JSON.stringify(event)).toContain("HTTP 500");
    const redirect = await call("/v1/proxy/moved/chat/completions", { method: "POST", headers: headers(), body: chat(false) });
    expect(redirect.status).toBe(502);
    expect(redirect.headers.get("Gleaner-Event-Id")).toMatch(EVENT_ID);
  });

  it("still answers the call when the log write fails, and the event arrives later through the queue", async () => {
    const failingDb = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "batch") return () => Promise.reject(new Error("D1_ERROR: simulated write failure"));
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("http://gleaner.test/v1/proxy/local/chat/completions", { method: "POST", headers: headers(), body: chat(false) }),
      { ...env, DB: failingDb },
      ctx,
    );
    expect(res.status).toBe(200);
    expect((await res.json<{ choices: unknown[] }>()).choices).toHaveLength(1);
    await waitOnExecutionContext(ctx);
    const eventId = res.headers.get("Gleaner-Event-Id")!;
    await eventually(async () => ((await getEvent(key, eventId)).status === 200 ? true : undefined));
  });

  it("chooses the event id itself: a client's X-Request-Id is only an attribute and can neither forge nor collide", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await call("/v1/proxy/local/chat/completions", { method: "POST", headers: { ...headers(), "X-Request-Id": "forged-1" }, body: chat(false) });
      expect(res.status).toBe(200);
      await res.text();
      ids.push(res.headers.get("Gleaner-Event-Id")!);
    }
    expect(ids[0]).toMatch(EVENT_ID);
    expect(ids[1]).toMatch(EVENT_ID);
    expect(ids[0]).not.toBe(ids[1]);
    for (const id of ids) expect(await storedEvent(id)).toMatchObject({ attributes: { client_request_id: "forged-1" } });
    expect((await getEvent(key, "proxy:forged-1")).status).toBe(404);
  });

  it("hands request and answer texts to ingest, which redacts them (streamed too); the client's answer is its own", async () => {
    const secret = "my key is sk-abcdefghijklmnopqrstuvwx1234 and the header was Bearer abcdefgh12345678";
    const echo = { PROXY_UPSTREAMS: `echo=${env.TEST_FAKE_AI_URL}/ns/proxy-echo/v1` };
    for (const stream of [true, false]) {
      const res = await callWith(echo, "/v1/proxy/echo/chat/completions", {
        method: "POST",
        headers: headers(),
        body: JSON.stringify({ model: "fake-model", stream, messages: [{ role: "user", content: secret }] }),
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("efgh1234");
      const stored = await storedEvent(res.headers.get("Gleaner-Event-Id")!);
      expect(stored.query).toBe("my key is [REDACTED:api_key] and the header was Bearer [REDACTED:bearer_token]");
      expect(stored.response).toBe(stored.query);
      expect(JSON.stringify(stored)).not.toContain("abcdefgh");
    }
  });

  it("records a call whose texts are over MAX_EVENT_BYTES by cutting them, and says so", async () => {
    const long = "rotate the logs ".repeat(1000);
    const res = await callWith({ PROXY_UPSTREAMS: `echo=${env.TEST_FAKE_AI_URL}/ns/proxy-echo/v1` }, "/v1/proxy/echo/chat/completions", {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ model: "fake-model", messages: [{ role: "user", content: long }] }),
    });
    expect(res.status).toBe(200);
    expect((await res.json<{ choices: { message: { content: string } }[] }>()).choices[0]!.message.content).toBe(long);
    const stored = await storedEvent(res.headers.get("Gleaner-Event-Id")!);
    expect(stored.attributes).toMatchObject({ truncated: true });
    expect(long.startsWith(stored.query as string)).toBe(true);
    expect(long.startsWith(stored.response as string)).toBe(true);
    // What is stored, the conversation included, fits the limit; the answer's message is last.
    expect(stored.messages).toEqual([
      { role: "user", content: stored.query },
      { role: "assistant", content: stored.response },
    ]);
    expect(JSON.stringify(stored).length).toBeLessThanOrEqual(Number(env.MAX_EVENT_BYTES));
  });

  it("sends no event id when proxy logging is off, since nothing is recorded", async () => {
    const res = await callWith({ FLAGS: "proxy_logging=off" }, "/v1/proxy/local/chat/completions", { method: "POST", headers: headers(), body: chat(false) });
    expect(res.status).toBe(200);
    expect(res.headers.get("Gleaner-Event-Id")).toBeNull();
  });
});

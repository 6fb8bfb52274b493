import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config";
import { keySecretProblem, parseUpstreams } from "../../src/domain/proxy-upstreams";
import worker from "../../src/index";
import { createKey } from "./helpers";

const NS = "proxy-config";
const base = `${env.TEST_FAKE_AI_URL}/ns/${NS}/v1`;

let key: string;

beforeAll(async () => {
  key = (await createKey("proxy-config-tests")).key;
});

async function chatWith(bindings: Record<string, string>, upstream = "good"): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://gleaner.test/v1/proxy/${upstream}/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "fake-model", messages: [{ role: "user", content: "hi" }] }),
    }),
    { ...env, ...bindings },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

const upstreamCalls = async () => (await (await fetch(`${env.TEST_FAKE_AI_URL}/ns/${NS}/__calls`)).json<{ calls: number }>()).calls;

describe("PROXY_UPSTREAMS key secrets", () => {
  it("accepts names shaped like an upstream's own API key", () => {
    for (const name of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GROQ_KEY", "MY_LLM_2_KEY"]) expect(keySecretProblem(name), name).toBeUndefined();
  });

  it("refuses Gleaner's own bindings, secrets and settings, and anything not shaped like a key", () => {
    const reserved = ["GLEANER_ADMIN_TOKEN", "GLEANER_SIGNING_KEY", "AI_API_KEY", "QDRANT_API_KEY", "CLOUDFLARE_API_KEY", "CF_API_KEY", "TELEMETRY_KEY_QUEUE"];
    for (const name of reserved) expect(keySecretProblem(name), name).toMatch(/reserved/);
    const misshapen = [
      "DB",
      "ARCHIVE",
      "FLAGS",
      "METRICS_TOKEN",
      "TELEMETRY_QUEUE",
      "EXTRACT_QUEUE",
      "PROXY_UPSTREAMS",
      "LLM_URL",
      "openai_api_key",
      "",
      "OPENAI_API_KEY_2",
    ];
    for (const name of [...misshapen, ...Object.keys(DEFAULTS)]) expect(keySecretProblem(name), name).toBeDefined();
  });
});

describe("parseUpstreams", () => {
  it("reads name=url and name=url|SECRET entries", () => {
    const parsed = parseUpstreams(" local=http://127.0.0.1:8080/v1 , openai=https://api.openai.com/v1|OPENAI_API_KEY,");
    expect(parsed).toEqual({
      ok: true,
      upstreams: new Map([
        ["local", { name: "local", baseUrl: "http://127.0.0.1:8080/v1" }],
        ["openai", { name: "openai", baseUrl: "https://api.openai.com/v1", keySecret: "OPENAI_API_KEY" }],
      ]),
    });
    expect(parseUpstreams(undefined)).toEqual({ ok: true, upstreams: new Map() });
  });

  it("names the first wrong entry by position and name, never by its URL", () => {
    expect(parseUpstreams("a=http://h/v1,b=http://user:pw@h/v1|GLEANER_ADMIN_TOKEN")).toMatchObject({
      ok: false,
      entry: 2,
      name: "b",
      reason: expect.stringMatching(/reserved/),
    });
    expect(parseUpstreams("a=http://h/v1,a=http://i/v1")).toMatchObject({ ok: false, entry: 2, name: "a", reason: "the name is listed twice" });
    expect(parseUpstreams("a=ftp://h")).toMatchObject({ ok: false, entry: 1, reason: "the base URL must be http(s)" });
    expect(parseUpstreams("a=notaurl")).toMatchObject({ ok: false, entry: 1, reason: "the base URL is not a URL" });
    expect(parseUpstreams("a=http://h|")).toMatchObject({ ok: false, entry: 1, reason: expect.stringMatching(/_KEY/) });
    const garbled = parseUpstreams("Not An Entry");
    expect(garbled).toMatchObject({ ok: false, entry: 1 });
    expect(garbled).not.toHaveProperty("name");
    expect(JSON.stringify(parseUpstreams("b=http://user:pw@h/v1|DB"))).not.toContain("pw@");
  });
});

describe("POST /v1/proxy/{upstream}/{op} with a wrong PROXY_UPSTREAMS", () => {
  const BAD = [
    `good=${base},evil=${base}|GLEANER_ADMIN_TOKEN`,
    `good=${base},evil=${base}|DB`,
    `good=${base},evil=${base}|AI_API_KEY`,
    `good=${base},evil=${base}|METRICS_TOKEN`,
    `good=${base},evil=${base}|TELEMETRY_QUEUE`,
    `good=${base},evil=${base}|MAX_BODY_BYTES`,
    `good=${base},evil=ftp://example.test`,
    `good=${base},good=${base}`,
    `good=${base},this is not an entry`,
  ];

  it.each(BAD)("answers 503 proxy_misconfigured naming the entry, and never calls out: %s", async (upstreams) => {
    const before = await upstreamCalls();
    const res = await chatWith({ PROXY_UPSTREAMS: upstreams });
    const body = await res.json<{ error: { code: string; message: string; details: { entry: number } } }>();
    expect(res.status, JSON.stringify(body)).toBe(503);
    expect(body.error.code).toBe("proxy_misconfigured");
    expect(body.error.details.entry).toBe(2);
    expect(body.error.message).toContain("PROXY_UPSTREAMS entry 2");
    expect(body.error.message).not.toContain(env.TEST_FAKE_AI_URL);
    expect(await upstreamCalls()).toBe(before);
  });

  it("answers 503 naming the secret when an upstream's key secret is not set, and never calls out", async () => {
    const before = await upstreamCalls();
    const res = await chatWith({ PROXY_UPSTREAMS: `good=${base}|UNSET_UPSTREAM_KEY` });
    const body = await res.json<{ error: { code: string; details: unknown } }>();
    expect(res.status).toBe(503);
    expect(body.error).toMatchObject({ code: "proxy_misconfigured", details: { upstream: "good", secret: "UNSET_UPSTREAM_KEY" } });
    expect(await upstreamCalls()).toBe(before);
  });

  it("sends the named secret, and only it, as the upstream's bearer key", async () => {
    const res = await chatWith({ PROXY_UPSTREAMS: `good=${base}|GOOD_UPSTREAM_KEY`, GOOD_UPSTREAM_KEY: "upstream-key-0123456789" });
    expect(res.status).toBe(200);
    await res.text();
    const last = await (await fetch(`${env.TEST_FAKE_AI_URL}/ns/${NS}/__last`)).json<{ authorization: string }>();
    expect(last.authorization).toBe("Bearer upstream-key-0123456789");
  });
});

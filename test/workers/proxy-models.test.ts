import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { createKey } from "./helpers";

// GET /v1/proxy/{upstream}/models: the upstream's model list passed through, nothing recorded.

const ns = (name: string) => `${env.TEST_FAKE_AI_URL}/ns/${name}/v1`;
const UPSTREAM_KEY = "sk-models-upstream-key-0123456789abcdef";
const BINDINGS = {
  PROXY_UPSTREAMS: [
    `models=${ns("proxy-models")}|MODELS_UPSTREAM_KEY`,
    `models-down=${ns("proxy-models-down")}`,
    `models-moved=${ns("proxy-models-moved")}`,
    `models-refusing=${ns("proxy-models-refusing")}|MODELS_UPSTREAM_KEY`,
  ].join(","),
  MODELS_UPSTREAM_KEY: UPSTREAM_KEY,
};
const PROJECT = "proxy-models-tests";

let key: string;

beforeAll(async () => {
  key = (await createKey(PROJECT)).key;
  for (const [name, mode] of [
    ["proxy-models-down", "down"],
    ["proxy-models-moved", "redirect"],
    ["proxy-models-refusing", "unauthorized"],
  ]) {
    await fetch(`${env.TEST_FAKE_AI_URL}/ns/${name}/__mode`, { method: "POST", body: JSON.stringify({ mode }) });
  }
});

/** GET `path` with the test's upstreams, after the worker's waitUntil work (a recorded event would be written by then). */
async function get(path: string, bindings: Record<string, string> = BINDINGS, auth = `Bearer ${key}`): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://gleaner.test${path}`, { headers: { Authorization: auth } }), { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const recorded = async () => (await env.DB.prepare("SELECT count(*) AS n FROM ingest_batches WHERE project = ?").bind(PROJECT).first<{ n: number }>())?.n ?? 0;

const lastCall = async (name: string) =>
  (await (await fetch(`${env.TEST_FAKE_AI_URL}/ns/${name}/__last`)).json()) as { body: string; authorization: string | null } | null;

describe("GET /v1/proxy/{upstream}/models", () => {
  it("passes the upstream's /v1/models answer through, with the upstream's key (not the client's), and records nothing", async () => {
    const before = await recorded();
    const res = await get("/v1/proxy/models/models");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("application/json");
    expect(await res.json()).toEqual({ object: "list", data: [{ id: "fake-model", object: "model" }] });
    expect(res.headers.get("Gleaner-Event-Id")).toBeNull();
    expect((await lastCall("proxy-models"))?.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(await recorded()).toBe(before);
    // The count does move for a call the proxy records.
    const ctx = createExecutionContext();
    const chat = await worker.fetch(
      new Request("http://gleaner.test/v1/proxy/models/chat/completions", {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model: "fake-model", messages: [{ role: "user", content: "hi" }] }),
      }),
      { ...env, ...BINDINGS },
      ctx,
    );
    await chat.text();
    await waitOnExecutionContext(ctx);
    expect(chat.status).toBe(200);
    expect(await recorded()).toBe(before + 1);
  });

  it("answers 502 upstream_failed for an upstream 5xx, and 502 upstream_redirect for a redirect, recording nothing", async () => {
    const before = await recorded();
    const down = await get("/v1/proxy/models-down/models");
    expect(down.status).toBe(502);
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe("upstream_failed");
    const moved = await get("/v1/proxy/models-moved/models");
    expect(moved.status).toBe(502);
    const body = (await moved.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstream_redirect");
    expect(body.error.message).toContain("redirects are not followed");
    expect(await recorded()).toBe(before);
  });

  it("relays an upstream 4xx scrubbed of the upstream's key and of secrets", async () => {
    const res = await get("/v1/proxy/models-refusing/models");
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).toContain("Incorrect API key provided");
    expect(text).not.toContain(UPSTREAM_KEY);
    expect(text).not.toContain("hunter2hunter2");
    for (const [name, value] of res.headers) expect(value, name).not.toContain(UPSTREAM_KEY);
  });

  it("refuses an unknown upstream (404), a request without a project key (401) and a misconfigured proxy (503) without calling anything", async () => {
    const unknown = await get("/v1/proxy/nowhere/models");
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("unknown_upstream");
    expect((await get("/v1/proxy/models/models", BINDINGS, "Bearer nope")).status).toBe(401);
    const misconfigured = await get("/v1/proxy/models/models", { PROXY_UPSTREAMS: `models=${ns("proxy-models")}|UNSET_UPSTREAM_KEY` });
    expect(misconfigured.status).toBe(503);
    expect(((await misconfigured.json()) as { error: { code: string } }).error.code).toBe("proxy_misconfigured");
  });

  it("is documented once in /openapi.json", async () => {
    const doc = (await (await get("/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths["/v1/proxy/{upstream}/models"] ?? {})).toEqual(["get"]);
  });
});

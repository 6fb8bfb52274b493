import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { log } from "../../src/adapters/log";
import { app } from "../../src/app";
import { call, createKey } from "./helpers";

const TOKEN = `ghp_${"A1b2C3d4E5".repeat(4)}`;
let key: string;
let spies: MockInstance[];

/** Every line the worker printed since the test began, parsed. */
const lines = () =>
  spies
    .flatMap((s) => s.mock.calls)
    .map((args) => String(args[0]))
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const printed = () =>
  spies
    .flatMap((s) => s.mock.calls)
    .map((args) => args.map(String).join(" "))
    .join("\n");

beforeAll(async () => {
  key = (await createKey("request-log-tests")).key;
});

beforeEach(() => {
  spies = [vi.spyOn(console, "log"), vi.spyOn(console, "warn"), vi.spyOn(console, "error")];
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("request logs", () => {
  it("name the route template, never the raw path or its query", async () => {
    const res = await call(`/v1/events/${TOKEN}?token=${TOKEN}`, { headers: { Authorization: `Bearer ${key}` } });
    expect(res.status).toBe(404);
    const line = lines().find((l) => l.msg === "request");
    expect(line).toMatchObject({ method: "GET", path: "/v1/events/:id", status: 404 });
    expect(printed()).not.toContain(TOKEN);
  });

  it("name the endpoint even when auth refuses the request before it", async () => {
    const res = await call(`/v1/events/${TOKEN}`, { headers: { Authorization: "Bearer glk_wrong" } });
    expect(res.status).toBe(401);
    expect(lines().find((l) => l.msg === "request")).toMatchObject({ path: "/v1/events/:id", status: 401 });
    expect(printed()).not.toContain(TOKEN);
    expect(printed()).not.toContain("glk_wrong");
  });

  it("say (no route) for a path no endpoint matches", async () => {
    const res = await call(`/v1/${TOKEN}/nothing-here`);
    expect(res.status).toBe(404);
    expect(lines().find((l) => l.msg === "request")).toMatchObject({ path: "(no route)", status: 404 });
    expect(printed()).not.toContain(TOKEN);
  });

  it("name the full template of a route on a nested sub-app", async () => {
    await call(`/v1/admin/dead-letters/${TOKEN}/replay`, { method: "POST", headers: { Authorization: `Bearer ${env.GLEANER_ADMIN_TOKEN}` } });
    expect(lines().find((l) => l.msg === "request")).toMatchObject({ path: "/v1/admin/dead-letters/:id/replay", status: 404 });
    expect(printed()).not.toContain(TOKEN);
  });

  it("log an unhandled error with the template, not the raw path", async () => {
    const failing = {
      ...env,
      DB: {
        prepare: () => {
          throw new Error(`D1 is down for ${TOKEN}`);
        },
      } as unknown as D1Database,
    };
    const res = await app.request(`/v1/events/${TOKEN}`, { headers: { Authorization: `Bearer ${key}` } }, failing);
    expect(res.status).toBe(500);
    const error = lines().find((l) => l.msg === "unhandled error");
    expect(error).toMatchObject({ path: "/v1/events/:id" });
    expect(printed()).not.toContain(TOKEN);
    expect(printed()).toContain("[REDACTED:api_key]");
  });
});

describe("log", () => {
  it("never prints a bearer token, an Authorization header or an API key", () => {
    log("info", "calling upstream", {
      header: `Authorization: Bearer ${TOKEN}`,
      basic: "Authorization: Basic dXNlcjpwYXNzd29yZA==",
      authorization: "opaque-credential-value",
      nested: { note: `key ${TOKEN}`, list: [`Bearer ${TOKEN}`] },
      error: new Error("upstream refused sk-Zq8vT2mK9xL4pR7sW1nB3dF5h"),
    });
    const out = printed();
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain("dXNlcjpwYXNzd29yZA");
    expect(out).not.toContain("opaque-credential-value");
    expect(out).not.toContain("Zq8vT2mK9xL4pR7sW1nB3dF5h");
    expect(lines()[0]).toMatchObject({ authorization: "[REDACTED:authorization]", nested: { note: "key [REDACTED:api_key]" } });
  });

  it("leaves ordinary fields as they are", () => {
    log("info", "chunk processed", { request_id: "req-1", batch_id: "b_0123456789abcdef", events: 3, path: "/v1/events/:id" });
    expect(lines()[0]).toMatchObject({ msg: "chunk processed", request_id: "req-1", batch_id: "b_0123456789abcdef", events: 3, path: "/v1/events/:id" });
  });
});

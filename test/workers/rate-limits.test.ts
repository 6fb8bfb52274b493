import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { InFlightLimiter } from "../../src/adapters/concurrency";
import { app } from "../../src/app";
import type { Env } from "../../src/env";
import { routeClassOf, SEARCH_IN_FLIGHT, searchesInFlight } from "../../src/routes/rate-limit";
import { adminHeaders, BASE, createKey, event, eventually, strandChunk } from "./helpers";

declare global {
  namespace Cloudflare {
    interface Env {
      /** `limit: 3, period: 60` (vitest.config.ts): put in place of a class's binding. */
      TEST_RATE_LIMITER: RateLimit;
    }
  }
}

type ErrorBody = { error: { code: string; message: string; details: Record<string, unknown> } };

/**
 * The worker's own fetch with some bindings replaced, as a deploy with other
 * [[ratelimits]] would have them: small limits are cheap to reach and touch no
 * other test file's budgets.
 */
async function callWith(overrides: Partial<Env>, path: string, init: RequestInit = {}): Promise<Response> {
  return app.fetch(new Request(`${BASE}${path}`, init), { ...env, ...overrides }, createExecutionContext());
}

/**
 * The local limiter counts in windows aligned to the clock: should one roll
 * over while `attempt` runs (fresh keys each time), the counts restarted, so
 * it runs once more.
 */
async function inOneWindow(attempt: () => Promise<void>): Promise<void> {
  const window = Math.floor(Date.now() / 60_000);
  try {
    await attempt();
  } catch (err) {
    if (Math.floor(Date.now() / 60_000) === window) throw err;
    await attempt();
  }
}

const bearer = (key: string) => ({ Authorization: `Bearer ${key}`, "Content-Type": "application/json" });
const search = (overrides: Partial<Env>, key: string, q = "disk full") =>
  callWith(overrides, `/v1/patterns/search?q=${encodeURIComponent(q)}`, { headers: bearer(key) });
const ingest = (overrides: Partial<Env>, key: string, id: string) =>
  callWith(overrides, "/v1/events", { method: "POST", headers: bearer(key), body: JSON.stringify({ events: [event(id)] }) });

async function expectRateLimited(res: Response, routeClass: string, retryAfter = "60"): Promise<ErrorBody["error"]> {
  expect(res.status).toBe(429);
  expect(res.headers.get("Retry-After")).toBe(retryAfter);
  const { error } = await res.json<ErrorBody>();
  expect(error.code).toBe("rate_limited");
  expect(error.details.class).toBe(routeClass);
  return error;
}

describe("rate limits per key", () => {
  it("refuses a key's 4th search with 429 rate_limited while another key searches and the same key ingests", async () => {
    const small = { SEARCH_RATE_LIMITER: env.TEST_RATE_LIMITER };
    await inOneWindow(async () => {
      const flooding = (await createKey("rl-search-a")).key;
      const other = (await createKey("rl-search-b")).key;
      for (let i = 0; i < 3; i++) expect((await search(small, flooding)).status).toBe(200);
      const refused = await expectRateLimited(
        await callWith(small, "/v1/patterns/search", { method: "POST", headers: bearer(flooding), body: JSON.stringify({ q: "disk" }) }),
        "search",
      );
      expect(refused.details).toMatchObject({ reason: "rate", retry_after_seconds: 60 });

      expect((await search(small, other)).status).toBe(200);
      expect((await ingest(small, flooding, `rl-s-${crypto.randomUUID()}`)).status).toBe(202);
      expect((await ingest(small, other, `rl-s-${crypto.randomUUID()}`)).status).toBe(202);
    });
  });

  it("limits ingest per key, whatever the ingest route", async () => {
    const small = { INGEST_RATE_LIMITER: env.TEST_RATE_LIMITER };
    await inOneWindow(async () => {
      const key = (await createKey("rl-ingest")).key;
      for (let i = 0; i < 2; i++) expect((await ingest(small, key, `rl-i-${crypto.randomUUID()}`)).status).toBe(202);
      const feedback = await callWith(small, "/v1/feedback", { method: "POST", headers: bearer(key), body: JSON.stringify({}) });
      expect(feedback.status).toBe(400);
      await expectRateLimited(await ingest(small, key, `rl-i-${crypto.randomUUID()}`), "ingest");
      // Reads have their own budget.
      expect((await callWith(small, "/v1/events/nope", { headers: bearer(key) })).status).toBe(404);
    });
  });

  it("does not charge a key for requests that fail to authenticate with it", async () => {
    const small = { SEARCH_RATE_LIMITER: env.TEST_RATE_LIMITER };
    await inOneWindow(async () => {
      const key = (await createKey("rl-unauth")).key;
      const forged = `${key.slice(0, -4)}AAAA`;
      for (let i = 0; i < 5; i++) expect((await search(small, forged)).status).toBe(401);
      for (let i = 0; i < 3; i++) expect((await search(small, key)).status).toBe(200);
    });
  });

  it("limits admin routes per client address, after the token is checked", async () => {
    const small = { ADMIN_RATE_LIMITER: env.TEST_RATE_LIMITER };
    await inOneWindow(async () => {
      const from = (ip: string, headers = adminHeaders()) => callWith(small, "/v1/admin/overview", { headers: { ...headers, "CF-Connecting-IP": ip } });
      const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
      const wrong = { ...adminHeaders(), Authorization: "Bearer not-the-admin-token" };
      for (let i = 0; i < 3; i++) expect((await from(ip, wrong)).status).toBe(401);
      for (let i = 0; i < 3; i++) expect((await from(ip)).status).toBe(200);
      await expectRateLimited(await from(ip), "admin");
      expect((await from("198.51.100.77")).status).toBe(200);
    });
  });

  it("lets requests through when a binding is absent or failing", async () => {
    const small = { SEARCH_RATE_LIMITER: env.TEST_RATE_LIMITER };
    await inOneWindow(async () => {
      const key = (await createKey("rl-absent")).key;
      for (let i = 0; i < 3; i++) expect((await search(small, key)).status).toBe(200);
      expect((await search(small, key)).status).toBe(429);
      expect((await search({ SEARCH_RATE_LIMITER: undefined }, key)).status).toBe(200);
      const broken: RateLimit = { limit: () => Promise.reject(new Error("limiter unreachable")) };
      expect((await search({ SEARCH_RATE_LIMITER: broken }, key)).status).toBe(200);
    });
  });

  it("counts refusals in rate_limited_total by class and reason, off the request's path", async () => {
    // Only this test refuses read requests, so the series starts at 0 here.
    const small = { READ_RATE_LIMITER: env.TEST_RATE_LIMITER };
    const counted = async () =>
      (
        await env.DB.prepare("SELECT value FROM counters WHERE name = 'rate_limited_total' AND labels = ?1")
          .bind('class="read",reason="rate"')
          .first<{ value: number }>()
      )?.value;
    expect(await counted()).toBeUndefined();
    await inOneWindow(async () => {
      const key = (await createKey("rl-count")).key;
      for (let i = 0; i < 3; i++) expect((await callWith(small, "/v1/events/nope", { headers: bearer(key) })).status).toBe(404);
      await expectRateLimited(await callWith(small, "/v1/events/nope", { headers: bearer(key) }), "read");
      await expectRateLimited(await callWith(small, "/v1/events/nope", { headers: bearer(key) }), "read");
    });
    await eventually(async () => (((await counted()) ?? 0) >= 2 ? true : undefined));
  });

  it("keeps backpressure its own 429", async () => {
    const key = (await createKey("rl-backpressure")).key;
    await strandChunk("rl-backpressure", `rl-bp-${crypto.randomUUID()}`, ["rl-bp-1", "rl-bp-2"]);
    const res = await ingest({ BACKPRESSURE_MAX_BACKLOG_EVENTS: "1" }, key, "rl-bp-3");
    expect(res.status).toBe(429);
    expect(res.headers.get("Retry-After")).toBe("30");
    expect((await res.json<ErrorBody>()).error.code).toBe("backpressure");
  });
});

describe("pattern search concurrency", () => {
  it("refuses a project's search while it has its maximum in flight, not another project's", async () => {
    const busy = (await createKey("rl-busy")).key;
    const calm = (await createKey("rl-calm")).key;
    const held = Array.from({ length: SEARCH_IN_FLIGHT.perKey }, () => searchesInFlight.tryAcquire("rl-busy"));
    try {
      const refused = await expectRateLimited(await search({}, busy), "search", "1");
      expect(refused.details).toMatchObject({ reason: "concurrency", scope: "project", max_in_flight: SEARCH_IN_FLIGHT.perKey });
      expect((await search({}, calm)).status).toBe(200);
    } finally {
      for (const slot of held) if (slot.admitted) slot.release();
    }
    expect((await search({}, busy)).status).toBe(200);
  });

  it("refuses any project's search while the isolate has its maximum in flight", async () => {
    const key = (await createKey("rl-fresh")).key;
    const held = Array.from({ length: SEARCH_IN_FLIGHT.total }, (_, i) => searchesInFlight.tryAcquire(`rl-others-${i % 8}`));
    try {
      const refused = await expectRateLimited(await search({}, key), "search", "1");
      expect(refused.details).toMatchObject({ reason: "concurrency", scope: "isolate", max_in_flight: SEARCH_IN_FLIGHT.total });
    } finally {
      for (const slot of held) if (slot.admitted) slot.release();
    }
    expect((await search({}, key)).status).toBe(200);
  });

  it("frees the slot when a search ends, also when it fails", async () => {
    const key = (await createKey("rl-release")).key;
    expect((await search({}, key)).status).toBe(200);
    expect((await callWith({}, "/v1/patterns/search?k=3", { headers: bearer(key) })).status).toBe(400);
    expect(searchesInFlight.inFlight("rl-release")).toBe(0);
  });
});

describe("InFlightLimiter", () => {
  it("admits up to the per-key cap and the total cap, and counts a release once", () => {
    const limiter = new InFlightLimiter({ perKey: 2, total: 3 });
    const a1 = limiter.tryAcquire("a");
    const a2 = limiter.tryAcquire("a");
    expect(limiter.tryAcquire("a")).toEqual({ admitted: false, scope: "key", max: 2 });
    const b1 = limiter.tryAcquire("b");
    expect(limiter.tryAcquire("c")).toEqual({ admitted: false, scope: "total", max: 3 });
    if (!a1.admitted || !a2.admitted || !b1.admitted) throw new Error("expected admissions");
    a1.release();
    a1.release();
    expect(limiter.inFlight("a")).toBe(1);
    expect(limiter.inFlight()).toBe(2);
    expect(limiter.tryAcquire("c").admitted).toBe(true);
  });
});

describe("routeClassOf", () => {
  it.each([
    ["POST", "/v1/events", "ingest"],
    ["POST", "/v1/feedback", "ingest"],
    ["POST", "/v1/otlp/v1/traces", "ingest"],
    ["POST", "/api/public/otel/v1/traces", "ingest"],
    ["GET", "/api/public/otel/v1/traces", "read"],
    ["POST", "/v1/proxy/local/chat/completions", "ingest"],
    ["GET", "/v1/patterns/search", "search"],
    ["POST", "/v1/patterns/search", "search"],
    ["GET", "/v1/events/evt-1", "read"],
    ["GET", "/v1/events/evt-1/score", "read"],
    ["GET", "/v1/patterns/pat_1", "read"],
    ["POST", "/v1/datasets/golden/snapshots", "read"],
  ])("%s %s is %s", (method, path, expected) => {
    expect(routeClassOf(method, path)).toBe(expected);
  });
});

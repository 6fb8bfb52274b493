import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { findApiKey, KEY_CACHE_MS } from "../../src/adapters/key-store";
import { BufferedNudges } from "../../src/adapters/queue-nudges";
import { readConfig } from "../../src/config";
import { INFO_LOG_EVERY_MS, sampledRequestLine } from "../../src/routes/request-context";
import { adminHeaders, call, createKey, event, eventually, postEvents } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("project keys read through the key cache", () => {
  it("answers a revocation made here at once, even for a key just used", async () => {
    const doomed = await createKey("fixed-costs");
    expect((await postEvents(doomed.key, [event("fc-before-revoke")])).status).toBe(202);
    const res = await call(`/v1/admin/keys/${doomed.id}`, { method: "DELETE", headers: adminHeaders() });
    expect(res.status).toBe(200);
    const revoked = await postEvents(doomed.key, [event("fc-after-revoke")]);
    expect(revoked.status).toBe(401);
    expect((await revoked.json<{ error: { message: string } }>()).error.message).toContain("revoked");
  });

  it("rereads a key from D1 once KEY_CACHE_MS has passed (a revocation made by another isolate)", async () => {
    const made = await createKey("fixed-costs");
    const now = 1_000_000_000_000;
    expect((await findApiKey(env.DB, made.id, now))?.revokedAt).toBeNull();
    // Another isolate revokes it: this one's cache does not know.
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1").bind(made.id, now).run();
    expect((await findApiKey(env.DB, made.id, now + KEY_CACHE_MS - 1))?.revokedAt).toBeNull();
    expect((await findApiKey(env.DB, made.id, now + KEY_CACHE_MS))?.revokedAt).toBe(now);
  });

  it("refuses a key with a known id and a wrong secret, and the admin token", async () => {
    const made = await createKey("fixed-costs");
    expect((await postEvents(made.key, [event("fc-right-secret")])).status).toBe(202);
    const wrong = made.key.slice(0, -1) + (made.key.endsWith("A") ? "B" : "A");
    expect((await postEvents(wrong, [event("fc-wrong-secret")])).status).toBe(401);
    const admin = await postEvents(env.GLEANER_ADMIN_TOKEN ?? "", [event("fc-admin")]);
    expect(admin.status).toBe(403);
  });
});

describe("readConfig", () => {
  it("parses each set of vars once and answers the same frozen object", () => {
    const a = readConfig(env);
    expect(readConfig({ ...env })).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    const other = readConfig({ ...env, MAX_EVENT_BYTES: "1234" });
    expect(other).not.toBe(a);
    expect(other.MAX_EVENT_BYTES).toBe(1234);
    expect(() => readConfig({ ...env, MAX_EVENT_BYTES: "many" })).toThrow(/MAX_EVENT_BYTES/);
  });
});

describe("request log sampling", () => {
  it("logs the first successful request of a route in each window and says how many it stands for", () => {
    const route = `POST /fc-${Math.random()}`;
    expect(sampledRequestLine(route, 0)).toEqual({ log: true, unlogged: 0 });
    expect(sampledRequestLine(route, 10).log).toBe(false);
    expect(sampledRequestLine(route, INFO_LOG_EVERY_MS - 1).log).toBe(false);
    expect(sampledRequestLine(route, INFO_LOG_EVERY_MS)).toEqual({ log: true, unlogged: 2 });
    expect(sampledRequestLine(`GET ${route}`, 10)).toEqual({ log: true, unlogged: 0 });
  });

  it("logs every refused request, however many", async () => {
    const spy = vi.spyOn(console, "log");
    for (let i = 0; i < 3; i++) await postEvents("glk_wrong", [event("fc-refused")]);
    const lines = spy.mock.calls.map((args) => String(args[0])).filter((l) => l.includes('"msg":"request"') && l.includes('"status":401'));
    expect(lines).toHaveLength(3);
  });
});

/** A queue that records what each sendBatch call carried; it fails the calls `failing` says. */
function recordingQueue(failing: (call: number) => boolean = () => false) {
  const calls: unknown[][] = [];
  const queue = {
    async sendBatch(messages: { body: unknown }[]) {
      calls.push(messages.map((m) => m.body));
      if (failing(calls.length)) throw new Error("queue is down");
    },
  } as unknown as Queue<unknown>;
  return { queue, calls };
}

function context() {
  const pending: Promise<unknown>[] = [];
  return { ctx: { waitUntil: (p: Promise<unknown>) => void pending.push(p) }, settled: () => Promise.all(pending) };
}

describe("BufferedNudges", () => {
  it("sends the nudges of several requests in one call, after the first of them", async () => {
    const nudges = new BufferedNudges<unknown>(10);
    const { queue, calls } = recordingQueue();
    const a = context();
    const b = context();
    nudges.add(queue, [{ batch: 1 }, { batch: 2 }], a.ctx, "req-a");
    nudges.add(queue, [{ batch: 3 }], b.ctx, "req-b");
    await a.settled();
    await b.settled();
    expect(calls).toEqual([[{ batch: 1 }, { batch: 2 }, { batch: 3 }]]);
  });

  it("sends at most 100 a call, each queue its own, and what arrives during a send by the same flush", async () => {
    const nudges = new BufferedNudges<unknown>(5);
    const second = recordingQueue();
    const calls: unknown[][] = [];
    let release = () => {};
    const blocked = new Promise<void>((r) => (release = r));
    const first = {
      async sendBatch(messages: { body: unknown }[]) {
        calls.push(messages.map((m) => m.body));
        if (calls.length === 1) await blocked;
      },
    } as unknown as Queue<unknown>;
    const a = context();
    nudges.add(
      first,
      Array.from({ length: 150 }, (_, i) => i),
      a.ctx,
      "req-a",
    );
    nudges.add(second.queue, ["other"], a.ctx, "req-a");
    await eventually(async () => (calls.length > 0 ? true : undefined));
    // While the first call is in flight: the flush in progress takes it.
    nudges.add(first, ["late"], { waitUntil: () => undefined }, "req-c");
    release();
    await a.settled();
    expect(calls.map((c) => c.length)).toEqual([100, 51]);
    expect(calls.flat()).toEqual([...Array.from({ length: 150 }, (_, i) => i), "late"]);
    expect(second.calls).toEqual([["other"]]);
  });

  it("logs a failed send and goes on: the relay re-sends what no consumer finished", async () => {
    const warn = vi.spyOn(console, "warn");
    const nudges = new BufferedNudges<unknown>(1);
    const { queue, calls } = recordingQueue((n) => n === 1);
    const a = context();
    nudges.add(
      queue,
      Array.from({ length: 101 }, (_, i) => i),
      a.ctx,
      "req-a",
    );
    await a.settled();
    expect(calls.map((c) => c.length)).toEqual([100, 1]);
    expect(warn.mock.calls.map((args) => String(args[0])).some((l) => l.includes("enqueue failed"))).toBe(true);
  });

  it("schedules a new flush when the pending one never ran (its request was torn down)", async () => {
    const nudges = new BufferedNudges<unknown>(1);
    const { queue, calls } = recordingQueue();
    let now = 5_000_000;
    vi.spyOn(Date, "now").mockImplementation(() => now);
    // The first flush's timer never fires: its request is gone.
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    nudges.add(queue, ["lost"], { waitUntil: () => undefined }, "req-torn-down");
    vi.useRealTimers();
    now += 100;
    nudges.add(queue, ["waits"], context().ctx, "req-b");
    expect(calls).toEqual([]);
    now += 2_000;
    const c = context();
    nudges.add(queue, ["next"], c.ctx, "req-c");
    await c.settled();
    expect(calls).toEqual([["lost", "waits", "next"]]);
  });
});

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { secretForms, secretScrubber, UPSTREAM_KEY_MARKER } from "../../src/domain/proxy-secret-scrub";
import { toHex } from "../../src/domain/sha256";
import worker from "../../src/index";
import { createKey, eventually, getEvent } from "./helpers";

/** Shaped like no redaction rule, so only the key scrubbing can remove it; '/', '+' and '"' make its encodings differ. */
const UPSTREAM_KEY = 'up/stream+key"7Qx4Zr9Lw2Vt';
const NS = "proxy-unauthorized";

let key: string;

beforeAll(async () => {
  key = (await createKey("proxy-scrub-tests")).key;
  await fetch(`${env.TEST_FAKE_AI_URL}/ns/${NS}/__mode`, { method: "POST", body: JSON.stringify({ mode: "unauthorized" }) });
});

const encodings = (secret: string) => [
  secret,
  JSON.stringify(secret).slice(1, -1),
  encodeURIComponent(secret),
  btoa(secret),
  btoa(`user:${secret}`),
  btoa(`Bearer ${secret}`).replaceAll("+", "-").replaceAll("/", "_"),
  toHex(new TextEncoder().encode(secret)),
];

describe("secretScrubber", () => {
  it("removes the key as is, escaped, URL-encoded, in base64 at any offset (either alphabet) and in hex", () => {
    const scrub = secretScrubber(UPSTREAM_KEY);
    for (const form of encodings(UPSTREAM_KEY)) {
      const out = scrub(`before ${form} after`);
      expect(out, form).toContain(UPSTREAM_KEY_MARKER);
      expect(out, form).not.toContain(form);
      // Around a base64 run survive only the characters its neighbours share: never three key bytes in a row.
      expect(out.replace(UPSTREAM_KEY_MARKER, "").length, form).toBeLessThan(`before  after`.length + btoa("Bearer ").length + 4);
    }
  });

  it("leaves text alone without a key, and finds no short base64 runs in unrelated text", () => {
    expect(secretScrubber(undefined)("Bearer whatever")).toBe("Bearer whatever");
    expect(secretScrubber("")("anything")).toBe("anything");
    expect(secretForms("abcd").every((f) => f.length >= 4)).toBe(true);
    expect(secretScrubber("abcd")("the letters xyz stay")).toBe("the letters xyz stay");
  });
});

describe("POST /v1/proxy/{upstream}/{op} relaying an upstream 4xx", () => {
  it("scrubs the echoed key from body and headers, redacts the body, records the failure and names its event", async () => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("http://gleaner.test/v1/proxy/careless/chat/completions", {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model: "fake-model", messages: [{ role: "user", content: "hi" }] }),
      }),
      { ...env, PROXY_UPSTREAMS: `careless=${env.TEST_FAKE_AI_URL}/ns/${NS}/v1|CARELESS_API_KEY`, CARELESS_API_KEY: UPSTREAM_KEY },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(401);
    const text = await res.text();
    const relayedHeaders = JSON.stringify([...res.headers]);
    for (const form of encodings(UPSTREAM_KEY).slice(0, 5)) {
      expect(text, form).not.toContain(form);
      expect(relayedHeaders, form).not.toContain(form);
    }
    expect(text).toContain(UPSTREAM_KEY_MARKER);
    expect(text).not.toContain("hunter2");
    expect(text).toContain("[REDACTED:password]");
    // Still the upstream's JSON error, so an OpenAI client can read it.
    expect(JSON.parse(text)).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_api_key" } });
    expect(res.headers.get("X-RateLimit-Debug")).toBe(`key=${UPSTREAM_KEY_MARKER}`);
    expect(res.headers.get("X-Upstream-Secret")).toBeNull();

    const eventId = res.headers.get("Gleaner-Event-Id")!;
    expect(eventId).toMatch(/^proxy:/);
    const stored = await eventually(async () => {
      const r = await getEvent(key, eventId);
      return r.status === 200 ? (await r.json<{ event: Record<string, unknown> }>()).event : undefined;
    });
    expect(stored).toMatchObject({ outcome: "failure", attributes: { status: 401, upstream: "careless" } });
    expect(stored.attributes).toHaveProperty("upstream_error");
    for (const form of encodings(UPSTREAM_KEY)) expect(JSON.stringify(stored), form).not.toContain(form);
  });
});

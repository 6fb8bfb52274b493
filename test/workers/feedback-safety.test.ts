import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/domain/sha256";
import { feedbackIdSource, feedbackSchema } from "../../src/domain/feedback-schema";
import { app } from "../../src/app";
import { call, createKey } from "./helpers";

const PROJECT = "feedback-safety-tests";
const TOKEN = `ghp_${"Zy9Xw8Vu7T".repeat(4)}`;
let key: string;

const auth = () => ({ Authorization: `Bearer ${key}`, "Content-Type": "application/json" });
const postFeedback = (body: BodyInit) => call("/v1/feedback", { method: "POST", headers: auth(), body });

async function storedComments(eventId: string): Promise<(string | null)[]> {
  const { results } = await env.DB.prepare("SELECT comment FROM feedback WHERE project = ?1 AND event_id = ?2")
    .bind(PROJECT, eventId)
    .all<{ comment: string | null }>();
  return results.map((r) => r.comment);
}

async function redactionCount(kind: string, project = PROJECT): Promise<number> {
  const row = await env.DB.prepare("SELECT value FROM counters WHERE name = 'redactions_total' AND labels = ?1")
    .bind(`kind="${kind}",project="${project}"`)
    .first<{ value: number }>();
  return row?.value ?? 0;
}

beforeAll(async () => {
  key = (await createKey(PROJECT)).key;
});

describe("POST /v1/feedback", () => {
  it("scrubs secrets from the comment before it is stored, and counts them by kind and project", async () => {
    const res = await postFeedback(
      JSON.stringify({ event_id: "fs-1", rating: 1, comment: `worked once I set Authorization: Bearer Zq8vT2mK9xL4pR7sW1nB3dF and ${TOKEN}` }),
    );
    expect(res.status).toBe(202);
    expect(await storedComments("fs-1")).toEqual(["worked once I set Authorization: Bearer [REDACTED:bearer_token] and [REDACTED:api_key]"]);
    expect(await redactionCount("bearer_token")).toBe(1);
    expect(await redactionCount("api_key")).toBe(1);
  });

  it("derives the id from the scrubbed feedback: a resend is a duplicate with the same id, counted once", async () => {
    const body = { event_id: "fs-2", rating: -1 as const, comment: `leaked ${TOKEN}`, outcome: "failure" as const };
    const first = await (await postFeedback(JSON.stringify(body))).json<{ id: string; status: string }>();
    const again = await (await postFeedback(JSON.stringify(body))).json<{ id: string; status: string }>();
    expect(first.status).toBe("accepted");
    expect(again).toEqual({ ...first, status: "duplicate" });
    const scrubbed = { ...body, comment: "leaked [REDACTED:api_key]" };
    expect(first.id).toBe(`fb_${(await sha256Hex(feedbackIdSource(scrubbed))).slice(0, 32)}`);
    expect(first.id).not.toBe(`fb_${(await sha256Hex(feedbackIdSource(body))).slice(0, 32)}`);
    expect(await storedComments("fs-2")).toEqual(["leaked [REDACTED:api_key]"]);
    expect(await redactionCount("api_key")).toBe(2);
  });

  it("follows the configured rules (REDACTION_DISABLED)", async () => {
    const res = await app.request(
      "/v1/feedback",
      { method: "POST", headers: auth(), body: JSON.stringify({ event_id: "fs-3", rating: 0, comment: `password=hunter22 and ${TOKEN}` }) },
      { ...env, REDACTION_DISABLED: "password" },
    );
    expect(res.status).toBe(202);
    expect(await storedComments("fs-3")).toEqual(["password=hunter22 and [REDACTED:api_key]"]);
  });

  it("refuses a lone surrogate in the comment or an id with 400, storing nothing", async () => {
    for (const [field, eventId] of [
      ["comment", "fs-4"],
      ["event_id", "fs-4\\ud800"],
      ["id", "fs-4b"],
    ] as const) {
      const text = field === "event_id" ? `{"event_id":"${eventId}","rating":1}` : `{"event_id":"${eventId}","rating":1,"${field}":"x\\ud800y"}`;
      const res = await postFeedback(text);
      expect(res.status, field).toBe(400);
    }
    const { results } = await env.DB.prepare("SELECT feedback_id FROM feedback WHERE project = ?1 AND event_id LIKE 'fs-4%'").bind(PROJECT).all();
    expect(results).toEqual([]);
  });

  it("has a schema that refuses ill-formed strings itself, whatever parsed the body", () => {
    for (const bad of [{ comment: "x\ud800" }, { comment: "\udc00y" }, { id: "\ud800" }, { event_id: "e\udfff" }]) {
      const parsed = feedbackSchema.safeParse({ event_id: "e", rating: 1, ...bad });
      expect(parsed.success, JSON.stringify(Object.keys(bad))).toBe(false);
      expect(parsed.error?.issues.map((i) => i.message)).toContain("must be well-formed Unicode");
    }
    expect(feedbackSchema.safeParse({ event_id: "e", rating: 1, comment: "emoji \ud83d\ude00 is fine" }).success).toBe(true);
  });

  it("refuses a body that is not valid UTF-8 with 400 invalid_utf8, storing nothing", async () => {
    const json = new TextEncoder().encode('{"event_id":"fs-5","rating":1,"comment":"caf\u00e9 X"}');
    const bytes = json.slice();
    bytes[bytes.length - 3] = 0xff; // the "X" becomes a byte no UTF-8 text holds
    const res = await postFeedback(bytes);
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("invalid_utf8");
    expect(await storedComments("fs-5")).toEqual([]);
  });

  it("refuses duplicate keys with 400, storing nothing", async () => {
    const res = await postFeedback('{"event_id":"fs-6","rating":1,"comment":"first","comment":"second"}');
    expect(res.status).toBe(400);
    expect(await storedComments("fs-6")).toEqual([]);
  });
});

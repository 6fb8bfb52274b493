import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, call, createKey, event, eventually, getEvent, postEvents } from "./helpers";

let key: string;
let otherKey: string;
const PROJECT = "lineage-tests";
const auth = (k = key) => ({ Authorization: `Bearer ${k}`, "Content-Type": "application/json" });

beforeAll(async () => {
  key = (await createKey(PROJECT)).key;
  otherKey = (await createKey("lineage-others")).key;
});

interface Lineage {
  feedback: { rating: number; comment: string | null; outcome: string | null; correction: unknown; received_at: string }[];
  patterns: { id: string; problem: string | null; support: number; quality: number | null }[];
  examples: { dataset: string; content_hash: string; kind: string; split: string; removed_at: string | null }[];
}

const runJob = async (name: string, body: unknown = {}) => {
  const res = await call(`/v1/admin/jobs/${name}/run`, { method: "POST", headers: adminHeaders(), body: JSON.stringify(body) });
  expect(res.status).toBe(200);
};

const lineage = (id: string, k = key) => call(`/v1/events/${encodeURIComponent(id)}/lineage`, { headers: auth(k) });

describe("GET /v1/events/{id}/lineage", () => {
  it("lists an event's feedback (newest first, with its correction), its pattern and its dataset example", async () => {
    const id = "lin-1";
    expect(
      (
        await postEvents(key, [
          event(id, {
            query: "How do I stop journald from filling the disk after a crash loop?",
            response: "1. set SystemMaxUse=1G in journald.conf\n2. restart it\n$ systemctl restart systemd-journald",
            outcome: "success",
            feedback: 1,
            tokens_in: 900,
            tokens_out: 1400,
            interaction_id: "lin-int-1",
          }),
        ])
      ).status,
    ).toBe(202);
    await eventually(async () => ((await (await getEvent(key, id)).json<{ status: string }>()).status === "processed" ? true : undefined));

    // Before anything else: an event with no feedback rows, patterns or examples yet answers empty lists.
    const empty = await lineage(id);
    expect(empty.status).toBe(200);
    expect((await empty.json<Lineage>()).feedback).toEqual([]);

    await runJob("patterns", { older_than_seconds: 0 });
    const patternId = await eventually(async () => {
      const row = await env.DB.prepare("SELECT status, pattern_id FROM extractions WHERE project = ?1 AND event_id = ?2")
        .bind(PROJECT, id)
        .first<{ status: string; pattern_id: string | null }>();
      return row?.status === "done" && row.pattern_id ? row.pattern_id : undefined;
    }, 15_000);

    const rate = (body: Record<string, unknown>) => call("/v1/feedback", { method: "POST", headers: auth(), body: JSON.stringify(body) });
    expect((await rate({ event_id: id, rating: 1, comment: "spot on" })).status).toBe(202);
    const correction = "Set SystemMaxUse=1G and also RuntimeMaxUse=200M, then restart systemd-journald.";
    expect((await rate({ interaction_id: "lin-int-1", rating: 1, outcome: "success", correction })).status).toBe(202);

    await runJob("datasets");

    const res = await lineage(id);
    expect(res.status).toBe(200);
    const body = await res.json<Lineage>();
    expect(body.feedback).toHaveLength(2);
    expect(body.feedback[0]).toMatchObject({ rating: 1, comment: null, outcome: "success", correction });
    expect(body.feedback[1]).toMatchObject({ rating: 1, comment: "spot on", outcome: null, correction: null });
    expect(Date.parse(body.feedback[0]!.received_at)).toBeGreaterThanOrEqual(Date.parse(body.feedback[1]!.received_at));

    expect(body.patterns).toEqual([expect.objectContaining({ id: patternId, support: 1 })]);
    expect(body.patterns[0]!.problem).toContain("journald");

    expect(body.examples.length).toBeGreaterThanOrEqual(1);
    const stored = await env.DB.prepare(
      "SELECT dataset, content_hash, kind FROM dataset_examples WHERE project = ?1 AND (event_id = ?2 OR source_event_ids LIKE ?3)",
    )
      .bind(PROJECT, id, `%"${id}"%`)
      .all<{ dataset: string; content_hash: string; kind: string }>();
    expect(body.examples.map((e) => e.content_hash).sort()).toEqual(stored.results.map((r) => r.content_hash).sort());
    expect(body.examples[0]).toMatchObject({ dataset: "default", removed_at: null });
  });

  it("answers 404 for an unknown event, and for another project's event", async () => {
    const res = await lineage("lin-nope");
    expect(res.status).toBe(404);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("not_found");
    expect((await lineage("lin-1", otherKey)).status).toBe(404);
  });

  it("needs a project key", async () => {
    expect((await call("/v1/events/lin-1/lineage")).status).toBe(401);
    expect((await call("/v1/events/lin-1/lineage", { headers: { Authorization: "Bearer nope" } })).status).toBe(401);
  });
});

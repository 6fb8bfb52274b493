import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { readArchive } from "../../src/adapters/archive";
import { adminHeaders, call, createKey, event, eventually, getEvent, postEvents } from "./helpers";

let key: string;
const PROJECT = "lifecycle-tests";
const DAY = 86_400_000;
const CANARY_TOKEN = "canaryBearerToken0123456789abcdef";
const CANARY_KEY = "sk-canaryKey0123456789abcdefghijklmn";

beforeAll(async () => {
  key = (await createKey(PROJECT)).key;
});

async function processed(ids: string[]) {
  for (const id of ids) {
    await eventually(async () => ((await (await getEvent(key, id)).json<{ status: string }>()).status === "processed" ? true : undefined), 15_000);
  }
}

const runJob = async (name: string, body: unknown = {}) => {
  const res = await call(`/v1/admin/jobs/${name}/run`, { method: "POST", headers: adminHeaders(), body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json<{ result: Record<string, number> }>()).result;
};

async function everythingStored(): Promise<string> {
  const tables = ["events", "patterns", "dataset_examples", "event_scores", "dead_letters", "vectors", "similarity_cache"];
  const dumps = await Promise.all(tables.map((t) => env.DB.prepare(`SELECT * FROM ${t}`).all()));
  const listed = await env.ARCHIVE.list({ prefix: "archives/" });
  const archives = await Promise.all(
    listed.objects.map(async (o) => (o.key.endsWith(".gz") ? readArchive(env.ARCHIVE, o.key) : (await env.ARCHIVE.get(o.key))!.text())),
  );
  return JSON.stringify(dumps.map((d) => d.results)) + archives.join("\n");
}

describe("redaction", () => {
  it("never stores a canary bearer token or API key in clear: not in events, patterns, datasets or archives", async () => {
    const res = await postEvents(key, [
      event("canary-1", {
        query: `My request fails: curl -H "Authorization: Bearer ${CANARY_TOKEN}" with key ${CANARY_KEY} and https://admin:hunter2secret@db.local/x`,
        response: "Rotate the key, then send it from an environment variable instead of the command line.",
        outcome: "success",
        feedback: 1,
        tokens_in: 800,
        tokens_out: 800,
        attributes: { headers: { authorization: `Bearer ${CANARY_TOKEN}` } },
      }),
    ]);
    expect(res.status).toBe(202);
    await processed(["canary-1"]);
    await eventually(async () => {
      const row = await env.DB.prepare("SELECT status FROM extractions WHERE event_id = 'canary-1'").first<{ status: string }>();
      return row?.status === "done" ? true : undefined;
    }, 15_000);
    await runJob("datasets");
    await runJob("lifecycle", { now: Date.now() + 40 * DAY });

    const all = await everythingStored();
    expect(all).not.toContain(CANARY_TOKEN);
    expect(all).not.toContain(CANARY_KEY);
    expect(all).not.toContain("hunter2secret");
    expect(all).toContain("[REDACTED:bearer_token]");
    const metrics = await (await call("/metrics")).text();
    expect(metrics).toMatch(/learning_redactions_total\{kind="bearer_token",project="[^"]+"\} [1-9]/);
    expect(metrics).toMatch(/learning_redactions_total\{kind="api_key",project="[^"]+"\} [1-9]/);
  });
});

describe("lifecycle", () => {
  it("archives expired events to R2, verifies, deletes them, and a restore stores nothing twice", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `old-${i}`);
    await postEvents(
      key,
      ids.map((id, i) => event(id, { query: `old question ${i}`, outcome: "partial" })),
    );
    await processed(ids);
    // As stored: GET adds the conversation it derives from query and response, which the archive does not hold twice.
    const before = await Promise.all(
      ids.map(async (id) => {
        const { messages: _derived, ...stored } = (await (await getEvent(key, id)).json<{ event: Record<string, unknown> }>()).event;
        return stored;
      }),
    );

    const result = await runJob("lifecycle", { now: Date.now() + 31 * DAY });
    expect(result.events_archived).toBeGreaterThanOrEqual(12);
    expect(result.events_deleted).toBe(result.events_archived);
    for (const id of ids) expect((await getEvent(key, id)).status).toBe(404);

    const archives = await (await call(`/v1/admin/archives?project=${PROJECT}`, { headers: adminHeaders() })).json<{
      archives: { key: string; events: number; sha256: string }[];
    }>();
    const mine = archives.archives.filter((a) => a.key.startsWith(`archives/${PROJECT}/`));
    const text = (await Promise.all(mine.map((a) => readArchive(env.ARCHIVE, a.key)))).join("");
    const archived = text
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event_id: string; event: unknown });
    for (const [i, id] of ids.entries()) expect(archived.find((a) => a.event_id === id)!.event).toEqual(before[i]);
    const manifest = JSON.parse(await (await env.ARCHIVE.get(`${mine[0]!.key}.manifest.json`))!.text()) as { events: number; sha256: string };
    expect(manifest).toMatchObject({ events: mine[0]!.events, sha256: mine[0]!.sha256 });

    const restored = { accepted: 0, duplicates: 0 };
    for (const a of mine) {
      const r = await (await call("/v1/admin/archives/restore", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ key: a.key }) })).json<{
        accepted: number;
        duplicates: number;
      }>();
      restored.accepted += r.accepted;
      restored.duplicates += r.duplicates;
    }
    expect(restored.accepted).toBe(archived.length);
    expect(restored.duplicates).toBe(0);
    const again = await (
      await call("/v1/admin/archives/restore", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ key: mine[0]!.key }) })
    ).json<{ accepted: number; duplicates: number; events: number }>();
    expect(again).toMatchObject({ accepted: 0, duplicates: again.events });
    for (const id of ids) {
      const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM events WHERE project = ?1 AND event_id = ?2").bind(PROJECT, id).first<{ n: number }>())!;
      expect(n).toBe(1);
    }
  });

  it("prunes interaction vectors beyond twice the similarity window", async () => {
    const window = Number(env.SIMILARITY_WINDOW ?? 2000);
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
       INSERT INTO vectors (collection, point_id, project, vector, payload)
       SELECT 'interactions__gleaner-hash-v1__256', 'prune/' || i, ?1, '', '{}' FROM n`,
    )
      .bind("prune-tests", 2 * window + 25)
      .run();
    await env.DB.prepare("INSERT INTO api_keys (id, project, key_hash, created_at) VALUES ('prunekey00000000', 'prune-tests', 'x', 0)").run();
    await runJob("lifecycle");
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM vectors WHERE project = 'prune-tests'").first<{ n: number }>())!;
    expect(n).toBe(2 * window);
  });

  it("never deletes an event that was not processed, and honours a project's own policy", async () => {
    const put = await call(`/v1/admin/projects/${PROJECT}/retention`, {
      method: "PUT",
      headers: adminHeaders(),
      body: JSON.stringify({ raw_events_days: 400, processed_days: 400, dead_letters_days: 30, archives_days: 400 }),
    });
    expect(put.status).toBe(200);
    const now = Date.now();
    await env.DB.prepare(
      `INSERT INTO events (project, event_id, batch_id, schema_version, type, source, client_timestamp, client_time_ms, received_at, payload)
       VALUES (?1, 'stuck-1', 'stuck-batch', 1, 't', 's', '2020-01-01T00:00:00Z', 1, ?2, '{"id":"stuck-1","type":"t","source":"s","timestamp":"2020-01-01T00:00:00Z"}')`,
    )
      .bind(PROJECT, now - 1000 * DAY)
      .run();
    const result = await runJob("lifecycle", { now: now + 100 * DAY });
    expect(result.events_archived).toBe(0);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM events WHERE event_id = 'stuck-1'").first<{ n: number }>())!.n).toBe(1);
  });
});

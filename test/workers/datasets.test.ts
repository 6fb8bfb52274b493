import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/domain/sha256";
import { adminHeaders, call, createKey, event, eventually, getEvent, postEvents } from "./helpers";

let key: string;
const PROJECT = "datasets-tests";
const auth = () => ({ Authorization: `Bearer ${key}`, "Content-Type": "application/json" });

beforeAll(async () => {
  key = (await createKey(PROJECT)).key;
});

const good = (id: string, query: string, response: string, extra: Record<string, unknown> = {}) =>
  event(id, { query, response, outcome: "success", feedback: 1, tokens_in: 500, tokens_out: 900, ...extra });

async function processed(ids: string[]) {
  for (const id of ids) {
    await eventually(async () => ((await (await getEvent(key, id)).json<{ status: string }>()).status === "processed" ? true : undefined));
  }
}

const runJob = async (name: string, body: unknown = {}) => {
  const res = await call(`/v1/admin/jobs/${name}/run`, { method: "POST", headers: adminHeaders(), body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json<{ result: Record<string, number> }>()).result;
};

async function exportLines(version: number | "current"): Promise<string[]> {
  const res = await call(`/v1/datasets/default/snapshots/${version}.jsonl`, { headers: auth() });
  expect(res.status).toBe(200);
  return (await res.text()).split("\n").filter(Boolean);
}

describe("datasets", () => {
  it("builds chat examples from high-value interactions, without duplicates or scrubbed text", async () => {
    await postEvents(key, [
      good("d-1", "How do I make journald keep less than 1 GB?", "Set SystemMaxUse=1G in journald.conf and restart systemd-journald."),
      good("d-2", "How do I make journald keep less than 1 GB?", "Set SystemMaxUse=1G in journald.conf and restart systemd-journald."),
      good("d-3", "How do I make journald keep less than 1 GB ?", "Set SystemMaxUse=1G in journald.conf and restart systemd-journald!"),
      good("d-4", "Which port does Qdrant listen on?", "6333 for HTTP and 6334 for gRPC."),
      good("d-5", `sha256:${"ef".repeat(32)}`, "Some answer to a hashed question."),
      good("d-6", "What is my token?", "Use the header Authorization: Bearer abcdefghijklmnopqrstuvwxyz123456"),
      good("d-7", "A failed attempt", "It did not work.", { outcome: "failure", feedback: -1 }),
    ]);
    await processed(["d-1", "d-2", "d-3", "d-4", "d-5", "d-6", "d-7"]);
    const result = await runJob("datasets");
    expect(result.added).toBe(2);
    expect(result.near_duplicates).toBeGreaterThanOrEqual(1);

    const list = await (await call("/v1/datasets", { headers: auth() })).json<{ datasets: { name: string; examples: number }[] }>();
    expect(list.datasets.find((d) => d.name === "default")!.examples).toBe(2);

    const snap = await call("/v1/datasets/default/snapshots", { method: "POST", headers: auth() });
    expect(snap.status).toBe(201);
    const v1 = await snap.json<{ version: number; examples: number; bytes: number; sha256: string }>();
    expect(v1).toMatchObject({ version: 1, examples: 2 });
    const lines = await exportLines(1);
    expect(lines).toHaveLength(2);
    const joined = lines.join("\n");
    expect(joined).not.toContain("sha256:");
    expect(joined).not.toContain("REDACTED");
    for (const line of lines) {
      const record = JSON.parse(line) as { messages: { role: string; content: string }[] };
      expect(record.messages.map((m) => m.role)).toEqual(["system", "user", "assistant"]);
    }
    const bytes = new TextEncoder().encode(lines.map((l) => `${l}\n`).join(""));
    expect(bytes.byteLength).toBe(v1.bytes);
    expect(await sha256Hex(bytes)).toBe(v1.sha256);
  });

  it("diffs snapshots, rolls the current pointer back, and keeps old snapshots immutable", async () => {
    await postEvents(key, [good("d-8", "How do I list failed systemd units?", "systemctl --failed")]);
    await processed(["d-8"]);
    await runJob("datasets");
    const first = (await (await call(`/v1/datasets/default/snapshots`, { headers: auth() })).json<{ snapshots: { sha256: string }[] }>()).snapshots[0]!;
    const v2 = await (await call("/v1/datasets/default/snapshots", { method: "POST", headers: auth() })).json<{ version: number; examples: number }>();
    expect(v2).toMatchObject({ version: 2, examples: 3 });
    const diff = await (await call("/v1/datasets/default/snapshots/2/diff", { headers: auth() })).json<{
      added: { content_hash: string; source_event_ids: string[]; first_user: string | null }[];
      removed: unknown[];
      added_count: number;
      removed_count: number;
    }>();
    // The diff names what changed, not only how much.
    expect(diff).toMatchObject({ added_count: 1, removed_count: 0, removed: [] });
    expect(diff.added).toHaveLength(1);
    expect(diff.added[0]?.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(diff.added[0]?.source_event_ids).toHaveLength(1);
    expect(await exportLines("current")).toHaveLength(3);

    const rollback = await call("/v1/datasets/default/rollback", { method: "POST", headers: auth(), body: JSON.stringify({ version: 1 }) });
    expect(await rollback.json()).toMatchObject({ current_version: 1, previous_version: 2 });
    expect(await exportLines("current")).toHaveLength(2);
    expect(await exportLines(1)).toHaveLength(2);
    const again = (await (await call(`/v1/datasets/default/snapshots`, { headers: auth() })).json<{ snapshots: { sha256: string }[] }>()).snapshots[0]!;
    expect(again.sha256).toBe(first.sha256);
  });

  it("exports the same snapshot as ShareGPT and as a retrieval corpus, with a manifest", async () => {
    const share = await call("/v1/datasets/default/snapshots/1.jsonl?format=sharegpt", { headers: auth() });
    const shareLines = (await share.text())
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { conversations: { from: string; value: string }[] });
    expect(shareLines).toHaveLength(2);
    // LLaMA-Factory's sharegpt: the system prompt in its own field, then the turns.
    expect(shareLines[0]!.conversations.map((m) => m.from)).toEqual(["human", "gpt"]);
    expect((shareLines[0] as { system?: string }).system).toBeTruthy();
    const rag = await call("/v1/datasets/default/snapshots/1.jsonl?format=retrieval", { headers: auth() });
    const ragLines = (await rag.text())
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: string; text: string; metadata: { version: number } });
    expect(ragLines).toHaveLength(2);
    expect(ragLines[0]!.metadata.version).toBe(1);
    expect(ragLines[0]!.id).toMatch(/^[0-9a-f]{64}$/);
    expect((await call("/v1/datasets/default/snapshots/1.jsonl?format=csv", { headers: auth() })).status).toBe(400);
    const manifest = await (await call("/v1/datasets/default/snapshots/1/manifest", { headers: auth() })).json<Record<string, any>>();
    expect(manifest).toMatchObject({ dataset: "default", version: 1, examples: 2 });
    expect(manifest.score_policy.profiles.length).toBeGreaterThanOrEqual(4);
    expect(manifest.redactions).toHaveProperty("bearer_token");
  });

  it("rejects bad rules naming the field, and 404s unknown datasets and versions", async () => {
    const bad = await call("/v1/datasets/strict", { method: "PUT", headers: auth(), body: JSON.stringify({ rules: { min_value: 2 } }) });
    expect(bad.status).toBe(400);
    expect((await bad.json<{ error: { details: { errors: { path: string }[] } } }>()).error.details.errors[0]!.path).toBe("rules.min_value");
    expect((await call("/v1/datasets/nope/snapshots/1.jsonl", { headers: auth() })).status).toBe(404);
    expect((await call("/v1/datasets/default/snapshots/99.jsonl", { headers: auth() })).status).toBe(404);
  });

  it("answers bad create and rollback bodies with 400 naming the field, never a 5xx", async () => {
    const refused = async (path: string, method: string, body: string, field?: string) => {
      const res = await call(path, { method, headers: auth(), body });
      const text = await res.text();
      expect(res.status, `${method} ${path} ${body}: ${text}`).toBe(400);
      if (field) expect(text, body).toContain(`"path":"${field}"`);
    };
    for (const v of ["-1e309", "1e309", "1e300", '"0.5"', "null", "-0.1"])
      await refused("/v1/datasets/bodies", "PUT", `{"rules": {"min_value": ${v}}}`, "rules.min_value");
    await refused("/v1/datasets/bodies", "PUT", '{"rules": {"outcomes": []}}', "rules.outcomes");
    await refused("/v1/datasets/bodies", "PUT", '{"rules": -1e309}', "rules");
    await refused("/v1/datasets/bodies", "PUT", '{"rules": {}, "extra": 1}', "extra");
    for (const v of ["-1e309", "1e309", "1e300", "0", "1.5", '"1"', "null"])
      await refused("/v1/datasets/default/rollback", "POST", `{"version": ${v}}`, "version");
    for (const body of ["[]", '"text"', "{", "NaN"]) {
      await refused("/v1/datasets/bodies", "PUT", body);
      await refused("/v1/datasets/default/rollback", "POST", body);
    }
    const missing = await call("/v1/datasets/default/rollback", { method: "POST", headers: auth(), body: '{"version": 9007199254740991}' });
    expect(missing.status).toBe(404);
  });

  it("streams a snapshot of 100k examples page by page", async () => {
    await env.DB.prepare(`INSERT INTO datasets (project, name, rules, created_at, updated_at) VALUES (?1, 'big', '{}', 0, 0)`).bind(PROJECT).run();
    // 100k synthetic examples, generated inside SQLite.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
       INSERT INTO dataset_examples (project, dataset, content_hash, event_id, line, bytes, added_at)
       SELECT ?1, 'big', 'h' || i, 'e' || i,
              '{"messages":[{"role":"system","content":"s"},{"role":"user","content":"question ' || i || '"},{"role":"assistant","content":"answer ' || i || '"}]}',
              0, 0 FROM n`,
    )
      .bind(PROJECT)
      .run();
    const snap = await (await call("/v1/datasets/big/snapshots", { method: "POST", headers: auth() })).json<{ examples: number; bytes: number }>();
    expect(snap.examples).toBe(100_000);
    const res = await call("/v1/datasets/big/snapshots/1.jsonl", { headers: auth() });
    const reader = res.body!.getReader();
    let chunks = 0;
    let lines = 0;
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      bytes += value.byteLength;
      for (const b of value) if (b === 10) lines++;
    }
    expect(lines).toBe(100_000);
    expect(bytes).toBe(snap.bytes);
    // 1,000 lines a page: the export never holds more than one page.
    expect(chunks).toBeGreaterThanOrEqual(100);
  });
});

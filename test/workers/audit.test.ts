import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { ADMIN, type AuditEntry, auditStatement, pruneAudit } from "../../src/adapters/audit-store";
import { app } from "../../src/app";
import { adminHeaders, call, createKey } from "./helpers";

const PROJECT = "audit-tests";
const DAY = 86_400_000;

type Entry = AuditEntry;

let key: string;
let keyId: string;

beforeAll(async () => {
  ({ key, id: keyId } = await createKey(PROJECT));
});

const admin = (path: string, method: string, body?: unknown) =>
  call(path, { method, headers: adminHeaders(), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

const withKey = (path: string, method: string, body?: unknown) =>
  call(path, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

async function audit(query = ""): Promise<{ entries: Entry[]; next_before: number | null }> {
  const res = await call(`/v1/admin/audit${query}`, { headers: adminHeaders() });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

/** The newest entry for an action and target, failing when there is none. */
async function latest(action: string, target: string): Promise<Entry> {
  const found = (await audit("?limit=1000")).entries.find((e) => e.action === action && e.target === target);
  expect(found, `${action} ${target}`).toBeDefined();
  return found!;
}

async function gzip(text: string): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
}

describe("GET /v1/admin/audit", () => {
  it("records key, scoring, retention, restore, dead-letter and job actions as the admin, with when", async () => {
    const before = Date.now();
    const created = await (await admin(`/v1/admin/projects/${PROJECT}/keys`, "POST")).json<{ id: string; key: string }>();
    expect((await admin(`/v1/admin/keys/${created.id}`, "DELETE")).status).toBe(200);
    const weights = { outcome: 1, feedback: 1, reusability: 0, complexity: 0, novelty: 0 };
    expect((await admin("/v1/admin/scoring/profiles/audit_profile/versions", "POST", { weights })).status).toBe(201);
    const rules = (await (await admin("/v1/admin/scoring/rules", "GET")).json<{ rules: unknown[] }>()).rules;
    expect((await admin("/v1/admin/scoring/rules", "PUT", { rules })).status).toBe(200);
    const policy = { raw_events_days: 7, processed_days: 90, dead_letters_days: 30, archives_days: 365 };
    expect((await admin(`/v1/admin/projects/${PROJECT}/retention`, "PUT", policy)).status).toBe(200);
    const line = JSON.stringify({
      seq: 1,
      project: PROJECT,
      event_id: "audit-restored",
      event: { id: "audit-restored", type: "t", source: "s", timestamp: "2026-01-01T00:00:00Z" },
    });
    await env.ARCHIVE.put("archives/audit-tests/restore.ndjson.gz", await gzip(`${line}\n`));
    expect((await admin("/v1/admin/archives/restore", "POST", { key: "archives/audit-tests/restore.ndjson.gz" })).status).toBe(200);
    await env.DB.prepare(
      "INSERT INTO dead_letters (id, queue, body, reason, attempts, created_at) VALUES ('audit-dl', 'gleaner-telemetry', '\"x\"', 'malformed', 1, ?1)",
    )
      .bind(Date.now())
      .run();
    expect((await admin("/v1/admin/dead-letters/audit-dl", "DELETE", { reason: "test traffic" })).status).toBe(200);
    expect((await admin("/v1/admin/jobs/relay/run", "POST", { older_than_seconds: 3600 })).status).toBe(200);

    const { entries } = await audit("?limit=1000");
    const mine = entries.filter((e) => e.at >= new Date(before).toISOString());
    const expected = [
      ["job.run", "relay"],
      ["dead_letter.purge", "audit-dl"],
      ["archive.restore", "archives/audit-tests/restore.ndjson.gz"],
      ["retention.set", PROJECT],
      ["scoring.rules.replace", "rules"],
      ["scoring.profile.create", "audit_profile"],
      ["key.revoke", created.id],
      ["key.create", created.id],
    ];
    expect(mine.map((e) => [e.action, e.target])).toEqual(expect.arrayContaining(expected));
    const order = expected.map(([action, target]) => mine.findIndex((e) => e.action === action && e.target === target));
    expect(order, "newest first").toEqual([...order].sort((a, b) => a - b));
    for (const e of mine.filter((m) => expected.some(([a, t]) => a === m.action && t === m.target))) {
      expect(e.actor).toBe("admin");
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(e.at)).toBeLessThanOrEqual(Date.now());
    }
    expect(await latest("key.create", created.id)).toMatchObject({ project: PROJECT, details: {} });
    expect(await latest("key.revoke", created.id)).toMatchObject({ project: PROJECT });
    expect(await latest("scoring.profile.create", "audit_profile")).toMatchObject({ details: { version: 1, weights } });
    expect(await latest("retention.set", PROJECT)).toMatchObject({ project: PROJECT, details: policy });
    expect(await latest("archive.restore", "archives/audit-tests/restore.ndjson.gz")).toMatchObject({ details: { events: 1, accepted: 1 } });
    expect(await latest("dead_letter.purge", "audit-dl")).toMatchObject({ details: { reason: "test traffic" } });
    expect(await latest("job.run", "relay")).toMatchObject({ details: { params: { older_than_seconds: 3600 }, ok: true } });
    expect(JSON.stringify(entries), "never the key itself, never the token").not.toContain(created.key);
    expect(JSON.stringify(entries)).not.toContain(env.GLEANER_ADMIN_TOKEN);
  });

  it("records dataset curation with the project key that did it", async () => {
    const actor = `key:${keyId}`;
    expect((await withKey("/v1/datasets/audited", "PUT", { rules: { min_value: 0.5 } })).status).toBe(200);
    expect((await withKey("/v1/datasets/audited", "PUT", { rules: { min_value: 0.6 } })).status).toBe(200);
    expect((await withKey("/v1/datasets/audited/snapshots", "POST")).status).toBe(201);
    await env.DB.prepare(
      "INSERT INTO dataset_examples (project, dataset, content_hash, event_id, line, bytes, added_at) VALUES (?1, 'audited', 'hash-1', 'e-1', '{}', 2, 0)",
    )
      .bind(PROJECT)
      .run();
    expect((await withKey("/v1/datasets/audited/snapshots", "POST")).status).toBe(201);
    expect((await withKey("/v1/datasets/audited/examples/hash-1", "DELETE")).status).toBe(200);
    expect((await withKey("/v1/datasets/audited/examples/hash-1", "DELETE")).status).toBe(404);
    expect((await withKey("/v1/datasets/audited/rollback", "POST", { version: 1 })).status).toBe(200);

    const dataset = (await audit("?limit=1000")).entries.filter((e) => e.target === "audited" && e.project === PROJECT);
    expect(dataset.map((e) => e.action)).toEqual([
      "dataset.rollback",
      "dataset.example.remove",
      "dataset.snapshot",
      "dataset.snapshot",
      "dataset.update",
      "dataset.create",
    ]);
    for (const e of dataset) expect(e.actor).toBe(actor);
    expect(dataset[0]!.details).toEqual({ version: 1, previous_version: 2 });
    expect(dataset[1]!.details, "the second, refused removal wrote nothing").toEqual({ content_hash: "hash-1" });
    expect(dataset[2]!.details).toMatchObject({ version: 2, examples: 1 });
    expect(dataset[4]!.details).toMatchObject({ rules: { min_value: 0.6 } });
  });

  it("records a failed job run as not ok, and a refused body not at all", async () => {
    const runs = async () => (await audit("?limit=1000")).entries.filter((e) => e.action === "job.run" && e.target === "lifecycle").length;
    const n = await runs();
    expect((await admin("/v1/admin/jobs/lifecycle/run", "POST", { now: "soon" })).status).toBe(400);
    expect(await runs()).toBe(n);
  });

  it("pages newest first with limit and before, and answers as documented", async () => {
    for (let i = 0; i < 3; i++) await createKey(PROJECT);
    const first = await audit("?limit=2");
    expect(first.entries).toHaveLength(2);
    expect(first.entries[0]!.id).toBeGreaterThan(first.entries[1]!.id);
    expect(first.next_before).toBe(first.entries[1]!.id);
    const second = await audit(`?limit=2&before=${first.next_before}`);
    expect(second.entries[0]!.id).toBeLessThan(first.entries[1]!.id);
    const all = await audit("?limit=1000");
    expect(all.next_before).toBeNull();
    expect((await audit()).entries.length).toBe(Math.min(100, all.entries.length));

    const route = app.openAPIRegistry.definitions.find((d) => d.type === "route" && d.route.method === "get" && d.route.path === "/v1/admin/audit");
    const reply = route?.type === "route" ? (route.route.responses[200] as { content: Record<string, { schema: z.ZodType }> }) : undefined;
    const schema = reply!.content["application/json"]!.schema;
    const parsed = schema.safeParse(all);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it("refuses a bad limit or cursor with 400 naming it, and a project key with 403", async () => {
    for (const [query, field] of [
      ["?limit=0", "limit"],
      ["?limit=1001", "limit"],
      ["?limit=abc", "limit"],
      ["?limit=1e309", "limit"],
      ["?limit=2.5", "limit"],
      ["?before=-1", "before"],
      ["?before=x", "before"],
      ["?before=1e309", "before"],
    ] as const) {
      const res = await call(`/v1/admin/audit${query}`, { headers: adminHeaders() });
      expect(res.status, query).toBe(400);
      const body = await res.json<{ error: { details: { errors: { path: string }[] } } }>();
      expect(
        body.error.details.errors.map((e) => e.path),
        query,
      ).toContain(field);
    }
    expect((await call("/v1/admin/audit", { headers: { Authorization: `Bearer ${key}` } })).status).toBe(403);
    expect((await call("/v1/admin/audit")).status).toBe(401);
  });
});

describe("pruneAudit", () => {
  it("deletes entries older than the cutoff and keeps the rest", async () => {
    const now = Date.now();
    const entry = (target: string) => ({ actor: ADMIN, action: "job.run", target, details: { pruning: true } }) as const;
    await env.DB.batch([auditStatement(env.DB, entry("prune-old"), now - 400 * DAY), auditStatement(env.DB, entry("prune-recent"), now - 10 * DAY)]);
    expect(await pruneAudit(env.DB, now - 365 * DAY)).toBeGreaterThanOrEqual(1);
    const targets = (await audit("?limit=1000")).entries.map((e) => e.target);
    expect(targets).not.toContain("prune-old");
    expect(targets).toContain("prune-recent");
    expect(await pruneAudit(env.DB, now - 365 * DAY)).toBe(0);
  });
});

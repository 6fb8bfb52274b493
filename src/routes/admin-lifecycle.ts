import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { readArchive } from "../adapters/archive";
import { ADMIN, recordAudit } from "../adapters/audit-store";
import { retentionByProject, setRetention } from "../adapters/retention-store";
import { readConfig } from "../config";
import { PROJECT_NAME } from "../domain/api-keys";
import type { Env } from "../env";
import { ingestItems } from "../pipeline/ingest";
import { ApiError } from "./errors";
import { validationHook } from "./validation";

/** Retention policies, archives and restores. Mounted under /v1/admin. */
export const adminLifecycleRoutes = new Hono<{ Bindings: Env }>();

const days = z.number().int().min(1).max(36_500);
export const policySchema = z.strictObject({ raw_events_days: days, processed_days: days, dead_letters_days: days, archives_days: days });
export const projectParam = z.object({ project: z.string().regex(PROJECT_NAME, "not a project name") });

function defaultsOf(env: Env) {
  const c = readConfig(env);
  return {
    raw_events_days: c.RETENTION_RAW_EVENTS_DAYS,
    processed_days: c.RETENTION_PROCESSED_DAYS,
    dead_letters_days: c.RETENTION_DEAD_LETTERS_DAYS,
    archives_days: c.RETENTION_ARCHIVES_DAYS,
  };
}

adminLifecycleRoutes.get("/projects/:project/retention", zValidator("param", projectParam, validationHook), async (c) => {
  const { project } = c.req.valid("param");
  const policies = await retentionByProject(c.env.DB, defaultsOf(c.env));
  return c.json({ project, policy: policies.get(project) ?? defaultsOf(c.env), defaults: defaultsOf(c.env) });
});

adminLifecycleRoutes.put(
  "/projects/:project/retention",
  zValidator("param", projectParam, validationHook),
  zValidator("json", policySchema, validationHook),
  async (c) => {
    const { project } = c.req.valid("param");
    const policy = c.req.valid("json");
    const now = Date.now();
    await setRetention(c.env.DB, project, policy, now);
    await recordAudit(c.env.DB, { actor: ADMIN, action: "retention.set", target: project, project, details: policy }, now);
    return c.json({ project, policy });
  },
);

adminLifecycleRoutes.get("/archives", async (c) => {
  const project = c.req.query("project");
  const { results } = await c.env.DB.prepare(
    "SELECT key, project, events, bytes, sha256, first_seq, last_seq, from_time, to_time, created_at FROM archives WHERE ?1 IS NULL OR project = ?1 ORDER BY created_at DESC LIMIT 500",
  )
    .bind(project ?? null)
    .all();
  return c.json({ archives: results });
});

/** R2 refuses keys over 1024 bytes (with an error, not a miss). */
const R2_KEY_MAX_BYTES = 1024;

export const restoreBody = z.strictObject({
  key: z
    .string()
    .regex(/^archives\/.+\.ndjson\.gz$/, "must be an archive key: archives/…ndjson.gz")
    .refine((k) => new TextEncoder().encode(k).byteLength <= R2_KEY_MAX_BYTES, `must be at most ${R2_KEY_MAX_BYTES} bytes`),
});

const archiveLineSchema = z.object({ project: z.string(), event: z.record(z.string(), z.unknown()) });

function parseArchiveLine(key: string, line: string, n: number) {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    value = undefined;
  }
  const parsed = archiveLineSchema.safeParse(value);
  if (!parsed.success) throw new ApiError(422, "unreadable_archive", `'${key}' line ${n} is not an archived event`);
  return parsed.data;
}

/**
 * Re-imports an archive through the normal ingest path. Events still stored
 * answer duplicate, so a restore is safe to repeat.
 */
adminLifecycleRoutes.post("/archives/restore", zValidator("json", restoreBody, validationHook), async (c) => {
  const { key } = c.req.valid("json");
  const text = await readArchive(c.env.ARCHIVE, key).catch((err: unknown) => {
    // workerd's DecompressionStream fails with a TypeError: the object is not gzip, so not one of our archives.
    if (err instanceof TypeError) throw new ApiError(422, "unreadable_archive", `'${key}' is not a gzip archive`);
    throw err;
  });
  if (text === null) throw new ApiError(404, "not_found", `no archive '${key}'`);
  const lines = text.split("\n").filter((l) => l !== "").map((l, i) => parseArchiveLine(key, l, i + 1));
  const totals = { events: lines.length, accepted: 0, duplicates: 0, rejected: 0 };
  const perRequest = readConfig(c.env).MAX_EVENTS_PER_REQUEST;
  for (const [project, group] of Map.groupBy(lines, (l) => l.project)) {
    for (let i = 0; i < group.length; i += perRequest) {
      const summary = await ingestItems(
        c.env,
        project,
        group.slice(i, i + perRequest).map((l) => ({ value: l.event })),
        c.get("requestId"),
        Date.now(),
        // Archived events were validated when first ingested, the proxy's own ids included.
        { internal: true },
      );
      if ("status" in summary) throw new ApiError(summary.status, summary.code, summary.message);
      totals.accepted += summary.accepted;
      totals.duplicates += summary.duplicates;
      totals.rejected += summary.rejected;
    }
  }
  await recordAudit(c.env.DB, { actor: ADMIN, action: "archive.restore", target: key, details: totals }, Date.now());
  return c.json({ key, ...totals });
});

import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { readArchive } from "../adapters/archive";
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
    await setRetention(c.env.DB, project, c.req.valid("json"), Date.now());
    return c.json({ project, policy: c.req.valid("json") });
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

export const restoreBody = z.strictObject({ key: z.string().min(1) });

const archiveLineSchema = z.object({ project: z.string(), event: z.record(z.string(), z.unknown()) });

/**
 * Re-imports an archive through the normal ingest path. Events still stored
 * answer duplicate, so a restore is safe to repeat.
 */
adminLifecycleRoutes.post("/archives/restore", zValidator("json", restoreBody, validationHook), async (c) => {
  const { key } = c.req.valid("json");
  const text = await readArchive(c.env.ARCHIVE, key);
  if (text === null) throw new ApiError(404, "not_found", `no archive '${key}'`);
  const lines = text.split("\n").filter((l) => l !== "").map((l) => archiveLineSchema.parse(JSON.parse(l)));
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
      );
      if ("status" in summary) throw new ApiError(summary.status, summary.code, summary.message);
      totals.accepted += summary.accepted;
      totals.duplicates += summary.duplicates;
      totals.rejected += summary.rejected;
    }
  }
  return c.json({ key, ...totals });
});

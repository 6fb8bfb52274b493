import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { ADMIN, listAudit, recordAudit } from "../adapters/audit-store";
import { pendingSummary } from "../adapters/batch-store";
import { readCounters } from "../adapters/counters";
import { createApiKey, findApiKey, revokeApiKey } from "../adapters/key-store";
import { readOverview } from "../adapters/overview";
import { isJobName, JOBS, type Job } from "../cron/jobs";
import { runJob } from "../cron/run-job";
import { PROJECT_NAME } from "../domain/api-keys";
import type { Env } from "../env";
import { adminLifecycleRoutes } from "./admin-lifecycle";
import { adminScoringRoutes } from "./admin-scoring";
import { requireAdmin } from "./auth";
import { deadLetterRoutes } from "./dead-letters";
import { ApiError } from "./errors";
import { validationHook } from "./validation";

export const adminRoutes = new Hono<{ Bindings: Env }>();

adminRoutes.use("*", requireAdmin);
adminRoutes.route("/scoring", adminScoringRoutes);
adminRoutes.route("/dead-letters", deadLetterRoutes);
adminRoutes.route("/", adminLifecycleRoutes);

export const keyProjectParam = z.object({
  project: z.string().regex(PROJECT_NAME, "must be 1-63 of a-z, 0-9, '-' or '_', starting with a letter or digit"),
});

adminRoutes.post(
  "/projects/:project/keys",
  zValidator("param", keyProjectParam, validationHook),
  async (c) => {
    const { project } = c.req.valid("param");
    const now = Date.now();
    const created = await createApiKey(c.env.DB, project, now);
    await recordAudit(c.env.DB, { actor: ADMIN, action: "key.create", target: created.id, project }, now);
    return c.json(created, 201);
  },
);

adminRoutes.delete("/keys/:id", async (c) => {
  const id = c.req.param("id");
  const now = Date.now();
  const stored = await findApiKey(c.env.DB, id);
  if (!stored || !(await revokeApiKey(c.env.DB, id, now))) throw new ApiError(404, "not_found", `no live key with id '${id}'`);
  await recordAudit(c.env.DB, { actor: ADMIN, action: "key.revoke", target: id, project: stored.project }, now);
  return c.json({ id, revoked: true });
});

/** A job's parameters from a run-now body (an empty body means none), or a 400 naming the field and why. */
function jobParams(job: Job, text: string): Record<string, unknown> {
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(400, "invalid_body", "job parameters must be a JSON object");
    }
  }
  const parsed = job.params.safeParse(value);
  if (!parsed.success) validationHook(parsed, null); // throws
  return parsed.data as Record<string, unknown>;
}

adminRoutes.post("/jobs/:name/run", async (c) => {
  const name = c.req.param("name");
  if (!isJobName(name)) {
    throw new ApiError(404, "unknown_job", `no job named '${name}'`, { jobs: Object.keys(JOBS) });
  }
  const params = jobParams(JOBS[name], await c.req.text());
  const started = Date.now();
  const outcome = await runJob(c.env, name, params, c.get("requestId")).then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const now = Date.now();
  await recordAudit(c.env.DB, { actor: ADMIN, action: "job.run", target: name, details: { params, ok: outcome.ok, duration_ms: now - started } }, now);
  if (!outcome.ok) throw outcome.error;
  return c.json({ job: name, duration_ms: now - started, result: outcome.result });
});

/** Most audit entries one page answers. */
const AUDIT_PAGE_MAX = 1000;

export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(100),
  before: z.coerce.number().int().positive().optional().describe("an entry id: answer only older entries (the previous page's next_before)"),
});

/** Admin actions and dataset curation, newest first. */
adminRoutes.get("/audit", zValidator("query", auditQuery, validationHook), async (c) => {
  const { limit, before } = c.req.valid("query");
  const page = await listAudit(c.env.DB, { limit, ...(before !== undefined ? { before } : {}) });
  return c.json({ entries: page.entries, next_before: page.nextBefore });
});

/** Everything the dashboard shows, in one read. */
adminRoutes.get("/overview", async (c) => c.json(await readOverview(c.env.DB, Date.now())));

/** Totals an operator (and the crash test) checks: counters and unfinished work. */
adminRoutes.get("/stats", async (c) => {
  const [counters, pending] = await Promise.all([readCounters(c.env.DB), pendingSummary(c.env.DB)]);
  const events = await c.env.DB.prepare(
    "SELECT count(*) AS total, coalesce(sum(status = 'processed'), 0) AS processed FROM events",
  ).first<{ total: number; processed: number }>();
  return c.json({ events, pending, counters });
});

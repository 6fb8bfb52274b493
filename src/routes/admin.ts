import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { pendingSummary } from "../adapters/batch-store";
import { readCounters } from "../adapters/counters";
import { createApiKey, revokeApiKey } from "../adapters/key-store";
import { readOverview } from "../adapters/overview";
import { isJobName, JOBS } from "../cron/jobs";
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
    const created = await createApiKey(c.env.DB, c.req.valid("param").project, Date.now());
    return c.json(created, 201);
  },
);

adminRoutes.delete("/keys/:id", async (c) => {
  const id = c.req.param("id");
  if (!(await revokeApiKey(c.env.DB, id, Date.now()))) throw new ApiError(404, "not_found", `no live key with id '${id}'`);
  return c.json({ id, revoked: true });
});

adminRoutes.post("/jobs/:name/run", async (c) => {
  const name = c.req.param("name");
  if (!isJobName(name)) {
    throw new ApiError(404, "unknown_job", `no job named '${name}'`, { jobs: Object.keys(JOBS) });
  }
  const text = await c.req.text();
  let params: Record<string, unknown> = {};
  if (text.trim() !== "") {
    try {
      params = z.record(z.string(), z.unknown()).parse(JSON.parse(text));
    } catch {
      throw new ApiError(400, "invalid_body", "job parameters must be a JSON object");
    }
  }
  const started = Date.now();
  const result = await runJob(c.env, name, params, c.get("requestId"));
  return c.json({ job: name, duration_ms: Date.now() - started, result });
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

import { createRoute, z } from "@hono/zod-openapi";
import { ADMIN, type Actor, AUDIT_ACTIONS, type AuditAction, type AuditEntry, listAudit, recordAudit } from "../adapters/audit-store";
import { pendingSummary } from "../adapters/batch-store";
import { readCounters } from "../adapters/counters";
import { countEvents } from "../adapters/event-totals";
import { createApiKey, findApiKey, revokeApiKey } from "../adapters/key-store";
import { readOverview } from "../adapters/overview";
import { pendingExtractions } from "../adapters/pattern-store";
import { isJobName, JOBS, type Job } from "../cron/jobs";
import { runJob } from "../cron/run-job";
import { PROJECT_NAME } from "../domain/api-keys";
import { errorResponses, json, requires, routeApp } from "../openapi/route-kit";
import { isoTime } from "../openapi/shared";
import { adminLifecycleRoutes } from "./admin-lifecycle";
import { adminScoringRoutes } from "./admin-scoring";
import { requireAdmin } from "./auth";
import { deadLetterRoutes } from "./dead-letters";
import { ApiError } from "./errors";
import { validationHook } from "./validation";

const keyProjectParam = z.object({
  project: z.string().regex(PROJECT_NAME, "must be 1-63 of a-z, 0-9, '-' or '_', starting with a letter or digit"),
});

const keyIdParam = z.object({ id: z.string().min(1).describe("the key id") });

const jobNames = Object.keys(JOBS) as [keyof typeof JOBS, ...(keyof typeof JOBS)[]];

/**
 * What a run-now body may carry, for the document only: each job validates
 * its own parameters (src/cron/jobs.ts) in the handler, and an empty body
 * means none.
 */
const jobParamsSchema = z
  .union([JOBS.relay.params, JOBS.lifecycle.params, JOBS.scoring.params])
  .describe("the job's parameters: `relay` and `patterns` take older_than_seconds, `lifecycle` and `history` take now, `scoring` and `datasets` none");

/** Most audit entries one page answers. */
const AUDIT_PAGE_MAX = 1000;

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(100).describe(`entries a page holds, 1-${AUDIT_PAGE_MAX} (default 100)`),
  before: z.coerce.number().int().positive().optional().describe("an entry id: answer only older entries (the previous page's next_before)"),
});

const auditEntrySchema = z.strictObject({
  id: z.number().int().describe("pass as before for older entries"),
  at: isoTime,
  actor: z.string().describe("`admin` (the admin token) or `key:<key id>` (a project key)"),
  action: z.enum(AUDIT_ACTIONS),
  target: z.string().describe("what it acted on: a key id, profile, project, dataset, archive key, dead letter id or job"),
  project: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).describe("a small summary; never a key or token"),
});

const createKey = createRoute({
  method: "post",
  path: "/projects/{project}/keys",
  tags: ["admin"],
  summary: "Create a project key",
  description: "The key is shown once; only its SHA-256 is stored. A body, if any, is ignored.",
  ...requires("admin"),
  request: { params: keyProjectParam },
  responses: {
    201: json("the new key", z.strictObject({ id: z.string(), key: z.string().describe("glk_<id>_<secret>"), project: z.string(), created_at: isoTime })),
    ...errorResponses("admin", { 400: "not a project name (`validation_failed`), or a body that is not JSON" }),
  },
});

const revokeKey = createRoute({
  method: "delete",
  path: "/keys/{id}",
  tags: ["admin"],
  summary: "Revoke a key",
  ...requires("admin"),
  request: { params: keyIdParam },
  responses: {
    200: json("revoked", z.strictObject({ id: z.string(), revoked: z.literal(true) })),
    ...errorResponses("admin", { 404: "no live key with that id" }),
  },
});

const runJobRoute = createRoute({
  method: "post",
  path: "/jobs/{name}/run",
  tags: ["admin"],
  summary: "Run a cron job now",
  description: "Runs the job the cron schedule runs, with the same bookkeeping (GET /readyz and /metrics see the run), and records it in the audit log.",
  ...requires("admin"),
  request: {
    // Any name is accepted here so an unknown one is a 404 naming the jobs; the document lists them.
    params: z.object({ name: z.string().openapi({ enum: jobNames, description: "the job" }) }),
    // A reference, not zod: documented, not validated by the framework (the handler validates against the named job's own schema).
    body: {
      required: false,
      content: {
        "application/json": {
          schema: { $ref: "#/components/schemas/JobParams" },
          examples: {
            relayAll: { summary: "relay every unfinished chunk", value: { older_than_seconds: 0 } },
            lifecycleAsOf: { summary: "apply retention as of a given time", value: { now: 1_798_761_600_000 } },
            none: { summary: "no parameters", value: {} },
          },
        },
      },
    },
  },
  responses: {
    200: json("what the job did", z.strictObject({ job: z.enum(jobNames), duration_ms: z.number(), result: z.unknown().describe("the job's own summary") })),
    ...errorResponses("admin", {
      400: "not JSON (`invalid_body`), or a parameter the job does not take or out of range (`validation_failed`, naming the field)",
      404: "no such job (`unknown_job`, details: the job names)",
    }),
  },
});

const readAudit = createRoute({
  method: "get",
  path: "/audit",
  tags: ["admin"],
  summary: "The audit log",
  description: "Every admin action and dataset curation: who, what, on what and when. Entries are kept 365 days.",
  ...requires("admin"),
  request: { query: auditQuery },
  responses: {
    200: json(
      "newest first; pass next_before as before for the next page (null on the last)",
      z.strictObject({ entries: z.array(auditEntrySchema), next_before: z.number().int().nullable() }),
      {
        page: {
          summary: "a key created, then a dataset rolled back with a project key",
          value: {
            entries: [
              {
                id: 42,
                at: "2026-11-23T10:05:00.000Z",
                actor: "key:0123456789abcdef",
                action: "dataset.rollback",
                target: "default",
                project: "my-project",
                details: { version: 2, previous_version: 3 },
              },
              { id: 41, at: "2026-11-23T10:00:00.000Z", actor: "admin", action: "key.create", target: "0123456789abcdef", project: "my-project", details: {} },
            ],
            next_before: null,
          },
        },
      },
    ),
    ...errorResponses("admin", { 400: `limit not 1-${AUDIT_PAGE_MAX}, or before not a positive id (\`validation_failed\`, naming it)` }),
  },
});

const readOverviewRoute = createRoute({
  method: "get",
  path: "/overview",
  tags: ["admin"],
  summary: "Everything the dashboard shows, in one read",
  ...requires("admin"),
  responses: {
    200: json(
      "counters, backlog, jobs, breakers, score distribution, recent patterns and datasets",
      z.strictObject({
        now: isoTime,
        counters: z.record(z.string(), z.number()),
        backlog: z.strictObject({ events: z.number(), chunks: z.number(), lag_seconds: z.number() }),
        jobs: z.array(
          z.strictObject({
            name: z.string(),
            last_started_at: isoTime.nullable(),
            last_success_at: isoTime.nullable(),
            last_error: z.string().nullable(),
            last_result: z.unknown().describe("the job's own summary of its last successful run"),
            runs: z.number().int(),
            failures: z.number().int(),
          }),
        ),
        breakers: z.array(z.strictObject({ dependency: z.string(), state: z.string() })),
        score_distribution: z.array(z.strictObject({ bucket: z.string().describe("0.0 … 0.9, or unknown"), n: z.number().int() })),
        recent_patterns: z.array(
          z.strictObject({
            id: z.string(),
            project: z.string(),
            problem: z.string(),
            extractor: z.string(),
            value: z.number().nullable(),
            source: z.string(),
          }),
        ),
        datasets: z.array(
          z.strictObject({
            project: z.string(),
            name: z.string(),
            current_version: z.number().int().nullable(),
            examples: z.number().int(),
            bytes: z.number().int(),
          }),
        ),
      }),
    ),
    ...errorResponses("admin"),
  },
});

const readStats = createRoute({
  method: "get",
  path: "/stats",
  tags: ["admin"],
  summary: "Event totals, unfinished chunks and counters",
  ...requires("admin"),
  responses: {
    200: json(
      "totals an operator (and the crash test) checks",
      z.strictObject({
        events: z.strictObject({ total: z.number().int(), processed: z.number().int() }),
        pending: z.strictObject({ batches: z.number().int(), events: z.number().int(), oldestCreatedAt: z.number().nullable() }),
        extractions: z
          .strictObject({ pending: z.number().int(), oldestEnqueuedAt: z.number().nullable() })
          .describe("High-value events still waiting for their pattern (the extract queue's backlog)."),
        counters: z.record(z.string(), z.number()),
      }),
    ),
    ...errorResponses("admin"),
  },
});

/** Keys, jobs, the audit log and totals; scoring, lifecycle and dead letters mounted below. Mounted at /v1/admin (admin token). */
export const adminRoutes = routeApp();

// Published for the run-now body's $ref (the route itself names no zod schema for it).
adminRoutes.openAPIRegistry.register("JobParams", jobParamsSchema);

adminRoutes.use("*", requireAdmin);
adminRoutes.route("/scoring", adminScoringRoutes);
adminRoutes.route("/dead-letters", deadLetterRoutes);
adminRoutes.route("/", adminLifecycleRoutes);

adminRoutes.openapi(createKey, async (c) => {
  const { project } = c.req.valid("param");
  const now = Date.now();
  const created = await createApiKey(c.env.DB, project, now);
  await recordAudit(c.env.DB, { actor: ADMIN, action: "key.create", target: created.id, project }, now);
  return c.json(created, 201);
});

adminRoutes.openapi(revokeKey, async (c) => {
  const { id } = c.req.valid("param");
  const now = Date.now();
  const stored = await findApiKey(c.env.DB, id);
  if (!stored || !(await revokeApiKey(c.env.DB, id, now))) throw new ApiError(404, "not_found", `no live key with id '${id}'`);
  await recordAudit(c.env.DB, { actor: ADMIN, action: "key.revoke", target: id, project: stored.project }, now);
  return c.json({ id, revoked: true as const }, 200);
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

adminRoutes.openapi(runJobRoute, async (c) => {
  const { name } = c.req.valid("param");
  if (!isJobName(name)) throw new ApiError(404, "unknown_job", `no job named '${name}'`, { jobs: Object.keys(JOBS) });
  const params = jobParams(JOBS[name], await c.req.text());
  const started = Date.now();
  const outcome = await runJob(c.env, c.get("config"), name, params, c.get("requestId")).then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const now = Date.now();
  // The admin token's holder may say it is the runner (npm start's own start-up relay), so the log tells it from a person.
  const actor: Actor = c.req.header("X-Gleaner-Actor") === "runner" ? "admin:runner" : ADMIN;
  await recordAudit(c.env.DB, { actor, action: "job.run", target: name, details: { params, ok: outcome.ok, duration_ms: now - started } }, now);
  if (!outcome.ok) throw outcome.error;
  return c.json({ job: name, duration_ms: now - started, result: outcome.result }, 200);
});

/** Admin actions and dataset curation, newest first. */
adminRoutes.openapi(readAudit, async (c) => {
  const { limit, before } = c.req.valid("query");
  const page = await listAudit(c.env.DB, { limit, ...(before !== undefined ? { before } : {}) });
  // The store writes only AUDIT_ACTIONS (AuditRecord), so what it reads back is one of them.
  const entries = page.entries as (AuditEntry & { action: AuditAction })[];
  return c.json({ entries, next_before: page.nextBefore }, 200);
});

/** Everything the dashboard shows, in one read. */
adminRoutes.openapi(readOverviewRoute, async (c) => {
  const overview = await readOverview(c.env.DB, Date.now());
  // readOverview maps a 0 timestamp to 0 rather than a time; no job starts at the epoch, so it is "never".
  const jobs = overview.jobs.map((j) => ({ ...j, last_started_at: j.last_started_at || null, last_success_at: j.last_success_at || null }));
  return c.json({ ...overview, jobs }, 200);
});

/** Totals an operator (and the crash test) checks: counters and unfinished work. */
adminRoutes.openapi(readStats, async (c) => {
  const [counters, pending, extractions, events] = await Promise.all([
    readCounters(c.env.DB),
    pendingSummary(c.env.DB),
    pendingExtractions(c.env.DB),
    countEvents(c.env.DB),
  ]);
  return c.json({ events, pending, extractions, counters }, 200);
});

import { createRoute, z } from "@hono/zod-openapi";
import { listArchives } from "../adapters/archive-index";
import { ADMIN, recordAudit } from "../adapters/audit-store";
import { retentionByProject, retentionDefaults, setRetention } from "../adapters/retention-store";
import { PROJECT_NAME } from "../domain/api-keys";
import { named } from "../openapi/names";
import { errorResponses, json, jsonBody, requires, routeApp } from "../openapi/route-kit";
import { restoreArchive } from "../pipeline/restore-archive";
import { problemError } from "./errors";
import { isProblem } from "../domain/problem";

const days = z.number().int().min(1).max(36_500);

const policySchema = named(z.strictObject({ raw_events_days: days, processed_days: days, dead_letters_days: days, archives_days: days }), "RetentionPolicy");

const projectParam = z.object({ project: z.string().regex(PROJECT_NAME, "not a project name") });

/** R2 refuses keys over 1024 bytes (with an error, not a miss). */
const R2_KEY_MAX_BYTES = 1024;

/** Most archives one listing answers. */
const ARCHIVES_LISTED = 500;

const restoreBody = z.strictObject({
  key: z
    .string()
    .regex(/^archives\/.+\.ndjson\.gz$/, "must be an archive key: archives/…ndjson.gz")
    .refine((k) => new TextEncoder().encode(k).byteLength <= R2_KEY_MAX_BYTES, `must be at most ${R2_KEY_MAX_BYTES} bytes`),
});

const ms = () => z.number().int().describe("ms since the epoch");

const archiveSchema = z.strictObject({
  key: z.string(),
  project: z.string(),
  events: z.number().int(),
  bytes: z.number().int(),
  sha256: z.string(),
  first_seq: z.number().int(),
  last_seq: z.number().int(),
  from_time: ms(),
  to_time: ms(),
  created_at: ms(),
});

const readRetention = createRoute({
  method: "get",
  path: "/projects/{project}/retention",
  tags: ["admin: lifecycle"],
  summary: "A project's retention policy",
  ...requires("admin"),
  request: { params: projectParam },
  responses: {
    200: json(
      "its policy (the defaults when it has none of its own) and the defaults",
      z.strictObject({ project: z.string(), policy: policySchema, defaults: policySchema }),
    ),
    ...errorResponses("admin", { 400: "not a project name (`validation_failed`)" }),
  },
});

const setRetentionRoute = createRoute({
  method: "put",
  path: "/projects/{project}/retention",
  tags: ["admin: lifecycle"],
  summary: "Set a project's retention policy",
  ...requires("admin"),
  request: {
    params: projectParam,
    body: jsonBody(policySchema, {
      short: { summary: "keep raw events a week", value: { raw_events_days: 7, processed_days: 90, dead_letters_days: 30, archives_days: 365 } },
    }),
  },
  responses: {
    200: json("the policy as stored", z.strictObject({ project: z.string(), policy: policySchema })),
    ...errorResponses("admin", { 400: "not a project name, or a field missing or not 1-36500 days (`validation_failed`, naming it)" }),
  },
});

const listArchivesRoute = createRoute({
  method: "get",
  path: "/archives",
  tags: ["admin: lifecycle"],
  summary: "List archives",
  ...requires("admin"),
  request: { query: z.object({ project: z.string().optional().describe("only this project's") }) },
  responses: {
    200: json(`newest first, at most ${ARCHIVES_LISTED}`, z.strictObject({ archives: z.array(archiveSchema) })),
    ...errorResponses("admin"),
  },
});

const restoreRoute = createRoute({
  method: "post",
  path: "/archives/restore",
  tags: ["admin: lifecycle"],
  summary: "Restore an archive through the normal ingest path",
  description: "Safe to repeat: events still stored answer duplicate.",
  ...requires("admin"),
  request: { body: jsonBody(restoreBody, { one: { summary: "one archive", value: { key: "archives/my-project/1-500.ndjson.gz" } } }) },
  responses: {
    200: json(
      "what became of its events",
      z.strictObject({ key: z.string(), events: z.number().int(), accepted: z.number().int(), duplicates: z.number().int(), rejected: z.number().int() }),
    ),
    ...errorResponses("admin", {
      400: "not an archive key, or one over 1024 bytes (`validation_failed`)",
      404: "no such archive",
      422: "the object is not an archive of events (`unreadable_archive`)",
    }),
  },
});

/** Retention policies, archives and restores. Mounted under /v1/admin (admin token). */
export const adminLifecycleRoutes = routeApp();

adminLifecycleRoutes.openapi(readRetention, async (c) => {
  const { project } = c.req.valid("param");
  const defaults = retentionDefaults(c.get("config"));
  const policies = await retentionByProject(c.env.DB, defaults);
  return c.json({ project, policy: policies.get(project) ?? defaults, defaults }, 200);
});

adminLifecycleRoutes.openapi(setRetentionRoute, async (c) => {
  const { project } = c.req.valid("param");
  const policy = c.req.valid("json");
  const now = Date.now();
  await setRetention(c.env.DB, project, policy, now);
  await recordAudit(c.env.DB, { actor: ADMIN, action: "retention.set", target: project, project, details: policy }, now);
  return c.json({ project, policy }, 200);
});

adminLifecycleRoutes.openapi(listArchivesRoute, async (c) => {
  const { project } = c.req.valid("query");
  return c.json({ archives: await listArchives(c.env.DB, project ?? null, ARCHIVES_LISTED) }, 200);
});

adminLifecycleRoutes.openapi(restoreRoute, async (c) => {
  const { key } = c.req.valid("json");
  const restored = await restoreArchive(c.env, c.get("config"), key, c.get("requestId"));
  if (isProblem(restored)) throw problemError(restored);
  const { key: _, ...totals } = restored;
  await recordAudit(c.env.DB, { actor: ADMIN, action: "archive.restore", target: key, details: totals }, Date.now());
  return c.json(restored, 200);
});

import { z } from "zod";
import { AUDIT_ACTIONS } from "../../adapters/audit-store";
import { JOBS } from "../../cron/jobs";
import { auditQuery, keyProjectParam } from "../../routes/admin";
import { policySchema, projectParam, restoreBody } from "../../routes/admin-lifecycle";
import { listQuery, purgeBody } from "../../routes/dead-letters";
import type { Operation } from "../operation";
import { isoTime } from "../shared";

const idParam = (what: string) => z.object({ id: z.string().min(1).describe(what) });

const deadLetterSchema = z.strictObject({
  id: z.string(),
  queue: z.string(),
  body: z.unknown().describe("the message as it was parked"),
  reason: z.string(),
  attempts: z.number().int(),
  created_at: isoTime,
  replayed_at: isoTime.nullable(),
});

const archiveSchema = z.strictObject({
  key: z.string(),
  project: z.string(),
  events: z.number().int(),
  bytes: z.number().int(),
  sha256: z.string(),
  first_seq: z.number().int(),
  last_seq: z.number().int(),
  from_time: z.number().int().describe("ms since the epoch"),
  to_time: z.number().int().describe("ms since the epoch"),
  created_at: z.number().int().describe("ms since the epoch"),
});

const jobNames = Object.keys(JOBS) as [keyof typeof JOBS, ...(keyof typeof JOBS)[]];

/** Each job validates its own parameters (src/cron/jobs.ts); the document lists the shapes they take. */
const jobParams = z
  .union([JOBS.relay.params, JOBS.lifecycle.params, JOBS.scoring.params])
  .describe("the job's parameters: `relay` and `patterns` take older_than_seconds, `lifecycle` takes now, `scoring` and `datasets` none");

const auditEntrySchema = z.strictObject({
  id: z.number().int().describe("pass as before for older entries"),
  at: isoTime,
  actor: z.string().describe("`admin` (the admin token) or `key:<key id>` (a project key)"),
  action: z.enum(AUDIT_ACTIONS),
  target: z.string().describe("what it acted on: a key id, profile, project, dataset, archive key, dead letter id or job"),
  project: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).describe("a small summary; never a key or token"),
});

export const adminOperations: Operation[] = [
  {
    method: "post",
    path: "/v1/admin/projects/{project}/keys",
    tag: "admin",
    summary: "Create a project key",
    description: "The key is shown once; only its SHA-256 is stored.",
    auth: "admin",
    params: keyProjectParam,
    responses: {
      201: {
        description: "the new key",
        schema: z.strictObject({ id: z.string(), key: z.string().describe("glk_<id>_<secret>"), project: z.string(), created_at: isoTime }),
      },
    },
    errors: { 400: "not a project name" },
  },
  {
    method: "delete",
    path: "/v1/admin/keys/{id}",
    tag: "admin",
    summary: "Revoke a key",
    auth: "admin",
    params: idParam("the key id"),
    responses: { 200: { description: "revoked", schema: z.strictObject({ id: z.string(), revoked: z.literal(true) }) } },
    errors: { 404: "no live key with that id" },
  },
  {
    method: "post",
    path: "/v1/admin/jobs/{name}/run",
    tag: "admin",
    summary: "Run a cron job now",
    auth: "admin",
    params: z.object({ name: z.enum(jobNames) }),
    body: [
      {
        schema: jobParams,
        examples: {
          relayAll: { summary: "relay every unfinished chunk", value: { older_than_seconds: 0 } },
          lifecycleAsOf: { summary: "apply retention as of a given time", value: { now: 1_798_761_600_000 } },
          none: { summary: "no parameters", value: {} },
        },
      },
    ],
    bodyOptional: true,
    responses: {
      200: {
        description: "what the job did",
        schema: z.strictObject({ job: z.enum(jobNames), duration_ms: z.number(), result: z.unknown().describe("the job's own summary") }),
      },
    },
    errors: {
      400: "not JSON (`invalid_body`), or a parameter the job does not take or out of range (`validation_failed`, naming the field)",
      404: "no such job (`unknown_job`, details: the job names)",
    },
  },
  {
    method: "get",
    path: "/v1/admin/audit",
    tag: "admin",
    summary: "The audit log",
    description: "Every admin action and dataset curation: who, what, on what and when. Entries are kept 365 days.",
    auth: "admin",
    query: auditQuery,
    responses: {
      200: {
        description: "newest first; pass next_before as before for the next page (null on the last)",
        schema: z.strictObject({ entries: z.array(auditEntrySchema), next_before: z.number().int().nullable() }),
        examples: {
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
      },
    },
    errors: { 400: "validation_failed (limit 1-1000, before a positive id)" },
  },
  {
    method: "get",
    path: "/v1/admin/overview",
    tag: "admin",
    summary: "Everything the dashboard shows, in one read",
    auth: "admin",
    responses: {
      200: {
        description: "counters, backlog, jobs, breakers, score distribution, recent patterns and datasets",
        schema: z.looseObject({
          now: isoTime,
          counters: z.record(z.string(), z.number()),
          backlog: z.strictObject({ events: z.number(), chunks: z.number(), lag_seconds: z.number() }),
          jobs: z.array(z.looseObject({ name: z.string() })),
          breakers: z.array(z.strictObject({ dependency: z.string(), state: z.string() })),
          score_distribution: z.array(z.strictObject({ bucket: z.string(), n: z.number().int() })),
          recent_patterns: z.array(z.looseObject({ id: z.string(), project: z.string() })),
          datasets: z.array(z.looseObject({ project: z.string(), name: z.string() })),
        }),
      },
    },
  },
  {
    method: "get",
    path: "/v1/admin/stats",
    tag: "admin",
    summary: "Event totals, unfinished chunks and counters",
    auth: "admin",
    responses: {
      200: {
        description: "totals an operator checks",
        schema: z.strictObject({
          events: z.strictObject({ total: z.number().int(), processed: z.number().int() }).nullable(),
          pending: z.strictObject({ batches: z.number().int(), events: z.number().int(), oldestCreatedAt: z.number().nullable() }),
          counters: z.record(z.string(), z.number()),
        }),
      },
    },
  },
  {
    method: "get",
    path: "/v1/admin/projects/{project}/retention",
    tag: "admin: lifecycle",
    summary: "A project's retention policy",
    auth: "admin",
    params: projectParam,
    responses: {
      200: { description: "its policy and the defaults", schema: z.strictObject({ project: z.string(), policy: policySchema, defaults: policySchema }) },
    },
    errors: { 400: "not a project name" },
  },
  {
    method: "put",
    path: "/v1/admin/projects/{project}/retention",
    tag: "admin: lifecycle",
    summary: "Set a project's retention policy",
    auth: "admin",
    params: projectParam,
    body: [
      {
        schema: policySchema,
        examples: {
          short: { summary: "keep raw events a week", value: { raw_events_days: 7, processed_days: 90, dead_letters_days: 30, archives_days: 365 } },
        },
      },
    ],
    responses: { 200: { description: "the policy as stored", schema: z.strictObject({ project: z.string(), policy: policySchema }) } },
    errors: { 400: "validation_failed" },
  },
  {
    method: "get",
    path: "/v1/admin/archives",
    tag: "admin: lifecycle",
    summary: "List archives",
    auth: "admin",
    query: z.object({ project: z.string().optional().describe("only this project's") }),
    responses: { 200: { description: "newest first, at most 500", schema: z.strictObject({ archives: z.array(archiveSchema) }) } },
  },
  {
    method: "post",
    path: "/v1/admin/archives/restore",
    tag: "admin: lifecycle",
    summary: "Restore an archive through the normal ingest path",
    description: "Safe to repeat: events still stored answer duplicate.",
    auth: "admin",
    body: [{ schema: restoreBody, examples: { one: { summary: "one archive", value: { key: "archives/my-project/1-500.ndjson.gz" } } } }],
    responses: {
      200: {
        description: "what became of its events",
        schema: z.strictObject({
          key: z.string(),
          events: z.number().int(),
          accepted: z.number().int(),
          duplicates: z.number().int(),
          rejected: z.number().int(),
        }),
      },
    },
    errors: { 400: "validation_failed", 404: "no such archive", 422: "the object is not an archive of events (`unreadable_archive`)" },
  },
  {
    method: "get",
    path: "/v1/admin/dead-letters",
    tag: "admin: lifecycle",
    summary: "List dead letters",
    auth: "admin",
    query: listQuery,
    responses: {
      200: {
        description: "newest first; pass next_before as before for the next page",
        schema: z.strictObject({ dead_letters: z.array(deadLetterSchema), next_before: z.number().nullable() }),
      },
    },
    errors: { 400: "validation_failed" },
  },
  {
    method: "post",
    path: "/v1/admin/dead-letters/{id}/replay",
    tag: "admin: lifecycle",
    summary: "Re-enqueue a dead letter on its original queue",
    description: "Replaying twice sends once.",
    auth: "admin",
    params: idParam("the dead letter id"),
    responses: {
      200: {
        description: "replayed now, or already",
        schema: z.union([
          z.strictObject({ id: z.string(), status: z.literal("replayed"), queue: z.string() }),
          z.strictObject({ id: z.string(), status: z.literal("already_replayed") }),
        ]),
      },
    },
    errors: { 404: "no such dead letter", 409: "malformed, or from an unknown queue: purge it (`not_replayable`)" },
  },
  {
    method: "delete",
    path: "/v1/admin/dead-letters/{id}",
    tag: "admin: lifecycle",
    summary: "Purge a dead letter, saying why",
    auth: "admin",
    params: idParam("the dead letter id"),
    body: [{ schema: purgeBody, examples: { reason: { summary: "why", value: { reason: "test traffic from a misconfigured agent" } } } }],
    responses: { 200: { description: "purged", schema: z.strictObject({ id: z.string(), status: z.literal("purged") }) } },
    errors: { 400: "validation_failed", 404: "no such dead letter" },
  },
];

import { createRoute, z } from "@hono/zod-openapi";
import { listDeadLetters, purgeDeadLetter } from "../adapters/dead-letter-store";
import { errorResponses, json, jsonBody, requires, routeApp } from "../openapi/route-kit";
import { isoTime } from "../openapi/shared";
import { replayDeadLetter } from "../pipeline/dead-letter-replay";
import { ApiError } from "./errors";

const listQuery = z.object({
  queue: z.string().optional().describe("only letters parked from this queue"),
  include_replayed: z.enum(["true", "false"]).optional().describe("also list letters already replayed (default false)"),
  limit: z.coerce.number().int().min(1).max(500).optional().describe("at most this many (default 100)"),
  before: z.coerce.number().int().optional().describe("only letters parked before this time (ms since the epoch): the previous page's next_before"),
});

const deadLetterIdParam = z.object({ id: z.string().min(1).describe("the dead letter id") });

const purgeBody = z.strictObject({ reason: z.string().min(3, "say why (at least 3 characters)").max(500) });

const deadLetterSchema = z.strictObject({
  id: z.string(),
  queue: z.string(),
  body: z.unknown().describe("the message as it was parked"),
  reason: z.string(),
  attempts: z.number().int(),
  created_at: isoTime,
  replayed_at: isoTime.nullable(),
});

const listRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["admin: lifecycle"],
  summary: "List dead letters",
  ...requires("admin"),
  request: { query: listQuery },
  responses: {
    200: json(
      "newest first; pass next_before as before for the next page",
      z.strictObject({ dead_letters: z.array(deadLetterSchema), next_before: z.number().nullable() }),
    ),
    ...errorResponses("admin", { 400: "a query parameter out of range (`validation_failed`, naming it)" }),
  },
});

const replayRoute = createRoute({
  method: "post",
  path: "/{id}/replay",
  tags: ["admin: lifecycle"],
  summary: "Re-enqueue a dead letter on its original queue",
  description: "Replaying twice sends once. Reads no body.",
  ...requires("admin"),
  request: { params: deadLetterIdParam },
  responses: {
    200: json(
      "replayed now, or already",
      z.union([
        z.strictObject({ id: z.string(), status: z.literal("replayed"), queue: z.string() }),
        z.strictObject({ id: z.string(), status: z.literal("already_replayed") }),
      ]),
    ),
    ...errorResponses("admin", {
      404: "no such dead letter",
      409: "malformed, or from an unknown queue: purge it (`not_replayable`, details: the reason it was parked)",
    }),
  },
});

const purgeRoute = createRoute({
  method: "delete",
  path: "/{id}",
  tags: ["admin: lifecycle"],
  summary: "Purge a dead letter, saying why",
  ...requires("admin"),
  request: {
    params: deadLetterIdParam,
    body: jsonBody(purgeBody, { reason: { summary: "why", value: { reason: "test traffic from a misconfigured agent" } } }),
  },
  responses: {
    200: json("purged; the reason is kept in the audit log", z.strictObject({ id: z.string(), status: z.literal("purged") })),
    ...errorResponses("admin", { 400: "no reason, or one under 3 or over 500 characters (`validation_failed`)", 404: "no such dead letter" }),
  },
});

/** Dead letters: list, replay (idempotent), purge with a reason. Mounted under /v1/admin/dead-letters (admin token). */
export const deadLetterRoutes = routeApp();

deadLetterRoutes.openapi(listRoute, async (c) => {
  const q = c.req.valid("query");
  const rows = await listDeadLetters(c.env.DB, {
    ...(q.queue ? { queue: q.queue } : {}),
    includeReplayed: q.include_replayed === "true",
    limit: q.limit ?? 100,
    ...(q.before ? { before: q.before } : {}),
  });
  return c.json(
    {
      dead_letters: rows.map((r) => ({
        ...r,
        body: JSON.parse(r.body) as unknown,
        created_at: new Date(r.created_at).toISOString(),
        replayed_at: r.replayed_at === null ? null : new Date(r.replayed_at).toISOString(),
      })),
      next_before: rows.at(-1)?.created_at ?? null,
    },
    200,
  );
});

deadLetterRoutes.openapi(replayRoute, async (c) => {
  const { id } = c.req.valid("param");
  const outcome = await replayDeadLetter(c.env, id, Date.now());
  if (outcome.status === "not_found") throw new ApiError(404, "not_found", `no dead letter '${id}'`);
  if (outcome.status === "not_replayable") {
    throw new ApiError(409, "not_replayable", "this message is malformed or from an unknown queue; purge it with a reason", { reason: outcome.reason });
  }
  return c.json(outcome, 200);
});

deadLetterRoutes.openapi(purgeRoute, async (c) => {
  const { id } = c.req.valid("param");
  if (!(await purgeDeadLetter(c.env.DB, id, c.req.valid("json").reason, Date.now()))) throw new ApiError(404, "not_found", `no dead letter '${id}'`);
  return c.json({ id, status: "purged" as const }, 200);
});

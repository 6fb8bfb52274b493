import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { claimForReplay, findDeadLetter, listDeadLetters, purgeDeadLetter, releaseReplay } from "../adapters/dead-letter-store";
import { telemetryQueueMessageSchema } from "../domain/queue-messages";
import type { Env } from "../env";
import { QUEUES } from "../queues";
import { ApiError } from "./errors";
import { validationHook } from "./validation";

/** Dead letters: list, replay (idempotent), purge with a reason. Mounted under /v1/admin. */
export const deadLetterRoutes = new Hono<{ Bindings: Env }>();

export const listQuery = z.object({
  queue: z.string().optional(),
  include_replayed: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.coerce.number().int().optional(),
});

export const purgeBody = z.strictObject({ reason: z.string().min(3, "say why (at least 3 characters)").max(500) });

deadLetterRoutes.get("/", zValidator("query", listQuery, validationHook), async (c) => {
  const q = c.req.valid("query");
  const rows = await listDeadLetters(c.env.DB, {
    ...(q.queue ? { queue: q.queue } : {}),
    includeReplayed: q.include_replayed === "true",
    limit: q.limit ?? 100,
    ...(q.before ? { before: q.before } : {}),
  });
  return c.json({
    dead_letters: rows.map((r) => ({
      ...r,
      body: JSON.parse(r.body) as unknown,
      created_at: new Date(r.created_at).toISOString(),
      replayed_at: r.replayed_at === null ? null : new Date(r.replayed_at).toISOString(),
    })),
    next_before: rows.length ? rows[rows.length - 1]!.created_at : null,
  });
});

/**
 * Re-enqueues a dead letter's message on its original queue. Replaying twice
 * sends once; the consumer is idempotent besides, so the work happens once.
 */
deadLetterRoutes.post("/:id/replay", async (c) => {
  const letter = await findDeadLetter(c.env.DB, c.req.param("id"));
  if (!letter) throw new ApiError(404, "not_found", `no dead letter '${c.req.param("id")}'`);
  const queue = letter.queue === QUEUES.telemetryDeadLetters ? QUEUES.telemetry : letter.queue;
  const body = telemetryQueueMessageSchema.safeParse(JSON.parse(letter.body));
  if (queue !== QUEUES.telemetry || !body.success) {
    throw new ApiError(409, "not_replayable", "this message is malformed or from an unknown queue; purge it with a reason", { reason: letter.reason });
  }
  if (!(await claimForReplay(c.env.DB, letter.id, Date.now()))) return c.json({ id: letter.id, status: "already_replayed" });
  try {
    await c.env.TELEMETRY_QUEUE.send(body.data);
  } catch (err) {
    await releaseReplay(c.env.DB, letter.id);
    throw err;
  }
  return c.json({ id: letter.id, status: "replayed", queue });
});

deadLetterRoutes.delete(
  "/:id",
  zValidator("json", purgeBody, validationHook),
  async (c) => {
    const id = c.req.param("id");
    if (!(await purgeDeadLetter(c.env.DB, id, c.req.valid("json").reason, Date.now()))) throw new ApiError(404, "not_found", `no dead letter '${id}'`);
    return c.json({ id, status: "purged" });
  },
);

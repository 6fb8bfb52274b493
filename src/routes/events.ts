import { Hono } from "hono";
import { findEvent, storeChunks } from "../adapters/event-store";
import { incrementCounter } from "../adapters/counters";
import { observeStageDuration } from "../adapters/histograms";
import { currentPressure } from "../adapters/pressure";
import { log } from "../adapters/log";
import { randomId } from "../adapters/random-ids";
import { CHUNK_MAX_BYTES, CHUNK_MAX_EVENTS, readConfig } from "../config";
import { chunkEvents, splitBody, validateItems, type EventResult } from "../domain/ingest-batch";
import { redactionRules } from "../domain/redaction";
import type { TelemetryMessage } from "../domain/queue-messages";
import type { Env } from "../env";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError } from "./errors";
import { readBodyWithin } from "./read-body";
import { scoreRoutes } from "./scores";

export const eventsRoutes = new Hono<{ Bindings: Env; Variables: ProjectVars }>();

eventsRoutes.use("*", requireProjectKey);
eventsRoutes.route("/", scoreRoutes);

/**
 * Ingest. The answer comes only after the accepted events are committed in D1
 * (the inbox); the queue message that follows is a nudge. If sending it fails
 * the relay cron re-enqueues the chunk, so the 2xx still holds.
 */
eventsRoutes.post("/", async (c) => {
  const started = Date.now();
  const config = readConfig(c.env);
  const pressure = await currentPressure(
    c.env.DB,
    { maxBacklogEvents: config.BACKPRESSURE_MAX_BACKLOG_EVENTS, maxLagSeconds: config.BACKPRESSURE_MAX_LAG_SECONDS },
    started,
    config.BACKPRESSURE_CACHE_MS,
  );
  if (pressure.overBudget) {
    await incrementCounter(c.env.DB, "backpressure_rejections_total", 1).run();
    throw new ApiError(
      429,
      "backpressure",
      `processing is behind (${pressure.backlogEvents} events waiting, oldest ${Math.round(pressure.lagSeconds)} s): retry later`,
      { backlog_events: pressure.backlogEvents, lag_seconds: pressure.lagSeconds, budget: pressure.budget },
      { "Retry-After": String(config.BACKPRESSURE_RETRY_AFTER_SECONDS) },
    );
  }
  const body = await readBodyWithin(c.req.raw, config.MAX_BODY_BYTES);
  const items = splitBody(body, c.req.header("Content-Type") ?? "");
  if (!Array.isArray(items)) throw new ApiError(items.status, items.code, items.message);
  const validated = validateItems(items, {
    maxEventsPerRequest: config.MAX_EVENTS_PER_REQUEST,
    maxEventBytes: config.MAX_EVENT_BYTES,
    redaction: redactionRules({ emails: config.REDACT_EMAILS, disabledKinds: config.REDACTION_DISABLED }),
  });
  if ("status" in validated) throw new ApiError(validated.status, validated.code, validated.message);

  const project = c.get("project");
  const chunks = chunkEvents(validated.valid, CHUNK_MAX_EVENTS, CHUNK_MAX_BYTES).map((events) => ({
    batchId: randomId(20),
    events,
  }));
  const rejectedCount = validated.results.filter((r) => r.status === "rejected").length;
  const repeatedInRequest = validated.results.filter((r) => r.status === "duplicate").length;
  const { inserted, storedBatchIds } = await storeChunks(
    c.env.DB,
    project,
    chunks,
    Date.now(),
    { rejected: rejectedCount, repeatedInRequest },
    [
      observeStageDuration(c.env.DB, "ingest", (Date.now() - started) / 1000),
      ...[...validated.redactions].map(([kind, n]) => incrementCounter(c.env.DB, "redactions_total", n, `kind="${kind}"`)),
    ],
  );
  const results: EventResult[] = validated.results.map((r) =>
    r.status === "accepted" && !inserted.has(r.id) ? { ...r, status: "duplicate" } : r,
  );

  if (storedBatchIds.length > 0) {
    const messages = storedBatchIds.map((batch_id) => ({ body: { kind: "ingest_batch", batch_id, project, request_id: c.get("requestId") } satisfies TelemetryMessage }));
    try {
      await c.env.TELEMETRY_QUEUE.sendBatch(messages);
    } catch (err) {
      log("warn", "enqueue failed; the relay cron will re-enqueue", { request_id: c.get("requestId"), chunks: storedBatchIds.length, error: err });
    }
  }

  const summary = {
    accepted: results.filter((r) => r.status === "accepted").length,
    duplicates: results.filter((r) => r.status === "duplicate").length,
    rejected: rejectedCount,
    results,
  };
  if (summary.rejected === 0) return c.json(summary, 202);
  if (summary.rejected === results.length) {
    throw new ApiError(400, "no_valid_events", "no event in the request was valid; see details.results", summary);
  }
  return c.json(summary, 207);
});

eventsRoutes.get("/:id", async (c) => {
  const record = await findEvent(c.env.DB, c.get("project"), c.req.param("id"));
  if (!record) throw new ApiError(404, "not_found", `no event with id '${c.req.param("id")}' in this project`);
  return c.json({
    id: record.eventId,
    project: record.project,
    schema_version: record.schemaVersion,
    status: record.status,
    sequence: record.seq,
    received_at: new Date(record.receivedAt).toISOString(),
    processed_at: record.processedAt === null ? null : new Date(record.processedAt).toISOString(),
    event: record.event,
  });
});

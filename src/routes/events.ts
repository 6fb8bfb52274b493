import { Hono } from "hono";
import { incrementCounter } from "../adapters/counters";
import { findEvent } from "../adapters/event-store";
import { currentPressure } from "../adapters/pressure";
import { readConfig } from "../config";
import { splitBody } from "../domain/ingest-batch";
import type { Env } from "../env";
import { ingestItems } from "../pipeline/ingest";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError } from "./errors";
import { readBodyWithin } from "./read-body";
import { scoreRoutes } from "./scores";

export const eventsRoutes = new Hono<{ Bindings: Env; Variables: ProjectVars }>();

eventsRoutes.use("*", requireProjectKey);
eventsRoutes.route("/", scoreRoutes);

/**
 * Ingest. Refused with 429 while processing is behind its budget; otherwise
 * the answer comes only after the accepted events are committed in D1 (see
 * ingestItems), so a 2xx always means stored.
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
  const summary = await ingestItems(c.env, c.get("project"), items, c.get("requestId"), started);
  if ("status" in summary) throw new ApiError(summary.status, summary.code, summary.message);
  if (summary.rejected === 0) return c.json(summary, 202);
  if (summary.rejected === summary.results.length) {
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

import { createRoute, z } from "@hono/zod-openapi";
import { HISTORY_SERIES, HOUR_MS, readHourHistory, readMinuteHistory, type SeriesPoint } from "../adapters/history-store";
import { errorResponses, json, requires, routeApp } from "../openapi/route-kit";
import { requireAdmin } from "./auth";

/** Each range: how far back it reaches and at which resolution (minute rows are kept 48 h, hour rows 90 days). */
const RANGES = {
  "1h": { ms: HOUR_MS, resolution: "minute" },
  "24h": { ms: 24 * HOUR_MS, resolution: "minute" },
  "7d": { ms: 7 * 24 * HOUR_MS, resolution: "hour" },
  "90d": { ms: 90 * 24 * HOUR_MS, resolution: "hour" },
} as const;

type Range = keyof typeof RANGES;

const rangeNames = Object.keys(RANGES) as [Range, ...Range[]];

const historyQuery = z.object({
  range: z.enum(rangeNames).default("24h").describe("how far back: `1h` and `24h` per minute, `7d` and `90d` per hour (default 24h)"),
});

const point = z.tuple([z.string().describe("the start of the minute or hour (ISO 8601, UTC)"), z.number()]);

const historySchema = z.strictObject({
  resolution: z.enum(["minute", "hour"]),
  series: z
    .record(z.string(), z.array(point))
    .describe(
      "points by series, oldest first: per-interval counts `events_received`, `events_processed`, `events_rejected` (and `events_rejected.<reason>`), `duplicates`, `events_scored`, `high_value`, `feedback_received`, `patterns_extracted`; gauges `backlog_events`, `backlog_chunks`, `lag_seconds` (an hour: its maximum), `dead_letters`, `mean_score` (no point when nothing was scored)",
    ),
});

const readHistory = createRoute({
  method: "get",
  path: "/",
  tags: ["admin"],
  summary: "Throughput, lag, backlog, rejections and scores over time",
  description:
    "The dashboard's server-side history, sampled every minute by the `history` job: per minute for the last 48 hours, per hour for 90 days (the lifecycle job prunes older rows). A counter that went down (a restore) counts 0 for that interval, never a negative.",
  ...requires("admin"),
  request: { query: historyQuery },
  responses: {
    200: json("the series", historySchema, {
      minute: {
        summary: "the last hour, per minute",
        value: {
          resolution: "minute",
          series: {
            events_received: [
              ["2026-11-01T10:00:00.000Z", 42],
              ["2026-11-01T10:01:00.000Z", 37],
            ],
            lag_seconds: [
              ["2026-11-01T10:00:00.000Z", 0.4],
              ["2026-11-01T10:01:00.000Z", 1.2],
            ],
          },
        },
      },
    }),
    ...errorResponses("admin", { 400: "`range` is not one of 1h, 24h, 7d, 90d (`validation_failed`)" }),
  },
});

function toSeries(points: readonly SeriesPoint[]): Record<string, [string, number][]> {
  const series: Record<string, [string, number][]> = Object.fromEntries(HISTORY_SERIES.map((name) => [name, []]));
  for (const p of points) {
    const at = new Date(p.at).toISOString();
    for (const [name, value] of Object.entries(p.values)) (series[name] ??= []).push([at, value]);
  }
  return series;
}

/** GET /v1/admin/history (admin token). Mounted at /v1/admin/history, ahead of the other admin routes. */
export const adminHistoryRoutes = routeApp();

adminHistoryRoutes.use("*", requireAdmin);

adminHistoryRoutes.openapi(readHistory, async (c) => {
  const { range } = c.req.valid("query");
  const { ms, resolution } = RANGES[range];
  const from = Date.now() - ms;
  const points = resolution === "minute" ? await readMinuteHistory(c.env.DB, from) : await readHourHistory(c.env.DB, from);
  return c.json({ resolution, series: toSeries(points) }, 200);
});

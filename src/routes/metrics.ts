import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { collectMetrics } from "../adapters/metrics-source";
import { secretsEqual } from "../domain/api-keys";
import { renderPrometheus } from "../domain/prometheus";
import type { Env } from "../env";
import { errorResponses, requires, routeApp } from "../openapi/route-kit";
import { ApiError } from "./errors";

/** The Prometheus text exposition format, version 0.0.4. */
const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["service"],
  summary: "Prometheus metrics",
  description: "Open unless METRICS_TOKEN is set; then send it as a bearer token.",
  ...requires("metrics"),
  responses: {
    200: {
      description: "every Gleaner metric (learning_*), in the Prometheus text format 0.0.4",
      content: { [PROMETHEUS_TEXT]: { schema: z.string().describe("# HELP / # TYPE lines, then one sample a line") } },
    },
    ...errorResponses("metrics"),
  },
});

/** Open unless METRICS_TOKEN is set, then bearer-protected. */
const requireMetricsToken = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const token = c.env.METRICS_TOKEN;
  if (token) {
    const presented = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
    if (!presented || !(await secretsEqual(presented, token))) {
      throw new ApiError(401, "unauthorized", "send Authorization: Bearer <METRICS_TOKEN>", null, { "WWW-Authenticate": 'Bearer realm="metrics"' });
    }
  }
  await next();
});

/** GET /metrics, read from D1 at scrape time. Mounted at "/". */
export const metricsRoutes = routeApp();

// Scoped to /metrics: a "*" here would apply to the whole app, which mounts this at "/".
metricsRoutes.use("/metrics", requireMetricsToken);

metricsRoutes.openapi(metrics, async (c) => {
  const body = renderPrometheus(await collectMetrics(c.env, c.get("config"), Date.now()));
  return c.text(body, 200, { "Content-Type": PROMETHEUS_TEXT });
});

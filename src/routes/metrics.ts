import { Hono } from "hono";
import { collectMetrics } from "../adapters/metrics-source";
import { secretsEqual } from "../domain/api-keys";
import { renderPrometheus } from "../domain/prometheus";
import type { Env } from "../env";
import { ApiError } from "./errors";

export const metricsRoutes = new Hono<{ Bindings: Env }>();

/** Prometheus text format. Open unless METRICS_TOKEN is set, then bearer-protected. */
metricsRoutes.get("/metrics", async (c) => {
  const token = c.env.METRICS_TOKEN;
  if (token) {
    const presented = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
    if (!presented || !(await secretsEqual(presented, token))) {
      throw new ApiError(401, "unauthorized", "send Authorization: Bearer <METRICS_TOKEN>", null, { "WWW-Authenticate": 'Bearer realm="metrics"' });
    }
  }
  const body = renderPrometheus(await collectMetrics(c.env, Date.now()));
  return c.body(body, 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
});

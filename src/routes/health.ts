import { createRoute, z } from "@hono/zod-openapi";
import { SCHEDULES } from "../cron";
import { named } from "../openapi/names";
import { json, requires, routeApp } from "../openapi/route-kit";
import { checkReadiness } from "../pipeline/readiness";

const checkSchema = z.looseObject({
  status: z.enum(["ok", "degraded", "failing", "unconfigured"]),
  reason: z.string(),
});

const readinessSchema = named(
  z.strictObject({
    status: z.enum(["ok", "degraded", "failing"]),
    checks: z.record(z.string(), checkSchema).describe("database, storage, queue, cron_<job>, breaker_<dependency>, dependency_<name>"),
  }),
  "Readiness",
);

const liveness = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["service"],
  summary: "Liveness",
  ...requires("none"),
  responses: { 200: json("the worker answers", z.strictObject({ status: z.literal("ok") })) },
});

const readiness = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["service"],
  summary: "Readiness",
  description: "`failing` (503) only when Gleaner cannot accept events; `degraded` (200) when it accepts them but work waits.",
  ...requires("none"),
  responses: {
    200: json("ok or degraded", readinessSchema),
    503: json("failing", readinessSchema),
  },
});

/** Liveness and readiness, no key. Mounted at "/". */
export const healthRoutes = routeApp();

healthRoutes.openapi(liveness, (c) => c.json({ status: "ok" as const }, 200));

healthRoutes.openapi(readiness, async (c) => {
  const report = await checkReadiness(c.env, c.get("config"), SCHEDULES, Date.now());
  return report.status === "failing" ? c.json(report, 503) : c.json(report, 200);
});

import { z } from "zod";
import type { Operation } from "../operation";

const checkSchema = z.looseObject({ status: z.enum(["ok", "degraded", "failing", "unconfigured"]), reason: z.string() });

const readinessSchema = z.strictObject({
  status: z.enum(["ok", "degraded", "failing"]),
  checks: z.record(z.string(), checkSchema).describe("database, storage, queue, cron_<job>, breaker_<dependency>, dependency_<name>"),
});

export const serviceOperations: Operation[] = [
  {
    method: "get",
    path: "/healthz",
    tag: "service",
    summary: "Liveness",
    auth: "none",
    responses: { 200: { description: "the worker answers", schema: z.strictObject({ status: z.literal("ok") }) } },
  },
  {
    method: "get",
    path: "/readyz",
    tag: "service",
    summary: "Readiness",
    description: "`failing` (503) only when Gleaner cannot accept events; `degraded` (200) when it accepts them but work waits.",
    auth: "none",
    responses: {
      200: { description: "ok or degraded", schema: readinessSchema },
      503: { description: "failing", schema: readinessSchema },
    },
  },
  {
    method: "get",
    path: "/metrics",
    tag: "service",
    summary: "Prometheus metrics",
    description: "Open unless METRICS_TOKEN is set; then send it as a bearer token.",
    auth: "metrics",
    responses: { 200: { description: "Prometheus text format 0.0.4", mediaType: "text/plain" } },
  },
  {
    method: "get",
    path: "/openapi.json",
    tag: "service",
    summary: "This document",
    auth: "none",
    responses: { 200: { description: "OpenAPI 3.1", schema: z.looseObject({ openapi: z.string() }) } },
  },
  {
    method: "get",
    path: "/docs",
    tag: "service",
    summary: "An interactive reference of this document",
    description: "Served by the worker itself; loads nothing from another origin.",
    auth: "none",
    responses: { 200: { description: "an HTML page", mediaType: "text/html" } },
  },
];

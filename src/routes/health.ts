import { Hono } from "hono";
import type { Env } from "../env";

export const healthRoutes = new Hono<{ Bindings: Env }>();

/** Liveness: the worker answers. Readiness (dependencies) is /readyz. */
healthRoutes.get("/healthz", (c) => c.json({ status: "ok" }));

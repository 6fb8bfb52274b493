import { Hono } from "hono";
import type { Env } from "../env";

/** The dashboard (placeholder until the dashboard lands). */
export const uiRoutes = new Hono<{ Bindings: Env }>();

uiRoutes.get("/", (c) => c.html("<!doctype html><title>Gleaner</title><h1>Gleaner</h1>"));

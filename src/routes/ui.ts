import { Hono } from "hono";
import type { Env } from "../env";
import { DASHBOARD_JS } from "../ui/app";
import { ICON_SVG } from "../ui/icon";
import { DASHBOARD_HTML } from "../ui/page";
import { DASHBOARD_CSS } from "../ui/styles";
import { assetHeaders, selfOnlyPageHeaders } from "./self-only-page";

/**
 * The dashboard, served by the worker itself: one page and its three assets,
 * bundled as strings, so it works offline. The page only talks to this
 * origin (the admin overview and /readyz); the CSP forbids every other one
 * and any inline script or style.
 */
export const uiRoutes = new Hono<{ Bindings: Env }>();

// Scoped to the dashboard's own paths: a "*" here would apply to the whole app, which mounts this at "/".
uiRoutes.use("/", selfOnlyPageHeaders);
uiRoutes.use("/ui/*", selfOnlyPageHeaders);

uiRoutes.get("/", (c) => c.html(DASHBOARD_HTML, 200, { "Cache-Control": "no-store" }));
uiRoutes.get("/ui/app.js", (c) => c.body(DASHBOARD_JS, 200, assetHeaders("text/javascript; charset=utf-8")));
uiRoutes.get("/ui/app.css", (c) => c.body(DASHBOARD_CSS, 200, assetHeaders("text/css; charset=utf-8")));
uiRoutes.get("/ui/icon.svg", (c) => c.body(ICON_SVG, 200, assetHeaders("image/svg+xml")));

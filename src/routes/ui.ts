import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { Env } from "../env";
import { DASHBOARD_JS } from "../ui/app";
import { ICON_SVG } from "../ui/icon";
import { DASHBOARD_HTML } from "../ui/page";
import { DASHBOARD_CSS } from "../ui/styles";

/**
 * The dashboard, served by the worker itself: one page and its three assets,
 * bundled as strings, so it works offline. The page only talks to this
 * origin (the admin overview and /readyz); the CSP forbids every other one
 * and any inline script or style.
 */
export const uiRoutes = new Hono<{ Bindings: Env }>();

const headers = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
  referrerPolicy: "no-referrer",
});

// Scoped to the dashboard's own paths: a "*" here would apply to the whole app, which mounts this at "/".
uiRoutes.use("/", headers);
uiRoutes.use("/ui/*", headers);

const asset = (type: string) => ({ "Content-Type": type, "Cache-Control": "no-cache" });

uiRoutes.get("/", (c) => c.html(DASHBOARD_HTML, 200, { "Cache-Control": "no-store" }));
uiRoutes.get("/ui/app.js", (c) => c.body(DASHBOARD_JS, 200, asset("text/javascript; charset=utf-8")));
uiRoutes.get("/ui/app.css", (c) => c.body(DASHBOARD_CSS, 200, asset("text/css; charset=utf-8")));
uiRoutes.get("/ui/icon.svg", (c) => c.body(ICON_SVG, 200, asset("image/svg+xml")));

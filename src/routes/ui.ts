import { Hono } from "hono";
import type { Env } from "../env";
import { CLIENT_CSS, CLIENT_JS, ICON_SVG } from "../web/gen/client";
import { renderPage } from "../web/pages";
import { VIEW_PREFIXES, viewOf } from "../web/views";
import { renderNotFound } from "./errors";
import { assetHeaders, selfOnlyPageHeaders } from "./self-only-page";

/**
 * The explorer, served by the worker itself: a server-rendered page for each
 * view (src/web/pages.tsx: `/`, `/events`, `/events/{id}`, `/sessions/{id}`,
 * `/patterns`, `/patterns/{id}`, `/datasets`, `/datasets/{name}`, `/review`,
 * so a deep link works on reload) and the three assets built from
 * src/web/client into src/web/gen/client.ts, so it works offline. The pages
 * only talk to this origin; the CSP forbids every other one and any inline
 * script or style.
 */
export const uiRoutes = new Hono<{ Bindings: Env }>();

// Scoped to the explorer's own paths: a "*" here would apply to the whole app, which mounts this at "/".
uiRoutes.use("/", selfOnlyPageHeaders);
uiRoutes.use("/ui/*", selfOnlyPageHeaders);
for (const prefix of VIEW_PREFIXES) uiRoutes.use(`${prefix}/*`, selfOnlyPageHeaders);

const page = (path: string) => {
  const view = viewOf(path);
  return view ? renderPage(view) : null;
};

uiRoutes.get("/", (c) => c.html(renderPage({ name: "overview" }), 200, { "Cache-Control": "no-store" }));
// One handler per prefix, for the prefix itself and every path under it: pages, not API (no OpenAPI operation).
for (const prefix of VIEW_PREFIXES) {
  uiRoutes.get(`${prefix}/*`, (c) => {
    const html = page(c.req.path);
    return html === null ? renderNotFound(c) : c.html(html, 200, { "Cache-Control": "no-store" });
  });
}
uiRoutes.get("/ui/app.js", (c) => c.body(CLIENT_JS, 200, assetHeaders("text/javascript; charset=utf-8")));
uiRoutes.get("/ui/app.css", (c) => c.body(CLIENT_CSS, 200, assetHeaders("text/css; charset=utf-8")));
uiRoutes.get("/ui/icon.svg", (c) => c.body(ICON_SVG, 200, assetHeaders("image/svg+xml")));

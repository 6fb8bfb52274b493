import { Hono } from "hono";
import type { Env } from "../env";
import { openApiDocument } from "../openapi/document";
import { REFERENCE_JS } from "../openapi/reference/app";
import { REFERENCE_HTML } from "../openapi/reference/page";
import { REFERENCE_CSS } from "../openapi/reference/styles";
import { assetHeaders, selfOnlyPageHeaders } from "./self-only-page";

/**
 * The OpenAPI 3.1 document and an interactive reference rendered from it,
 * both served by the worker itself with no key. The reference's assets are
 * bundled as strings, so it works offline; its CSP allows this origin only.
 */
export const openapiRoutes = new Hono<{ Bindings: Env }>();

// Scoped to the reference's own paths: a "*" here would apply to the whole app, which mounts this at "/".
openapiRoutes.use("/docs", selfOnlyPageHeaders);
openapiRoutes.use("/docs/*", selfOnlyPageHeaders);

// Readable from other origins too, so API tools pointed at this Gleaner can load it.
openapiRoutes.get("/openapi.json", (c) => c.json(openApiDocument(), 200, { "Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache" }));
openapiRoutes.get("/docs", (c) => c.html(REFERENCE_HTML, 200, { "Cache-Control": "no-store" }));
openapiRoutes.get("/docs/app.js", (c) => c.body(REFERENCE_JS, 200, assetHeaders("text/javascript; charset=utf-8")));
openapiRoutes.get("/docs/app.css", (c) => c.body(REFERENCE_CSS, 200, assetHeaders("text/css; charset=utf-8")));

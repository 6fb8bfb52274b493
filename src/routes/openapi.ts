import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { openApiDocument } from "../openapi/document";
import { REFERENCE_JS } from "../openapi/reference/app";
import { REFERENCE_HTML } from "../openapi/reference/page";
import { REFERENCE_CSS } from "../openapi/reference/styles";
import { json, requires, type RouteEnv, routeApp } from "../openapi/route-kit";
import { assetHeaders, selfOnlyPageHeaders } from "./self-only-page";

const documentRoute = createRoute({
  method: "get",
  path: "/openapi.json",
  tags: ["service"],
  summary: "This document",
  ...requires("none"),
  responses: { 200: json("OpenAPI 3.1", z.looseObject({ openapi: z.string() })) },
});

const referenceRoute = createRoute({
  method: "get",
  path: "/docs",
  tags: ["service"],
  summary: "An interactive reference of this document",
  description: "Served by the worker itself; loads nothing from another origin.",
  ...requires("none"),
  responses: { 200: { description: "an HTML page", content: { "text/html": { schema: { type: "string" } } } } },
});

/**
 * The OpenAPI 3.1 document of `root` (generated from its routes) and an
 * interactive reference rendered from it, both served by the worker itself
 * with no key. The reference's assets are bundled as strings, so it works
 * offline; its CSP allows this origin only.
 */
export function openapiRoutes(root: OpenAPIHono<RouteEnv>) {
  const routes = routeApp();
  // Scoped to the reference's own paths: a "*" here would apply to the whole app, which mounts this at "/".
  routes.use("/docs", selfOnlyPageHeaders);
  routes.use("/docs/*", selfOnlyPageHeaders);
  // Readable from other origins too, so API tools pointed at this Gleaner can load it.
  routes.openapi(documentRoute, (c) => c.json(openApiDocument(root), 200, { "Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache" }));
  routes.openapi(referenceRoute, (c) => c.html(REFERENCE_HTML, 200, { "Cache-Control": "no-store" }));
  routes.get("/docs/app.js", (c) => c.body(REFERENCE_JS, 200, assetHeaders("text/javascript; charset=utf-8")));
  routes.get("/docs/app.css", (c) => c.body(REFERENCE_CSS, 200, assetHeaders("text/css; charset=utf-8")));
  return routes;
}

import { OpenAPIHono } from "@hono/zod-openapi";
import type { RouteEnv } from "./openapi/route-kit";
import { adminRoutes } from "./routes/admin";
import { adminHistoryRoutes } from "./routes/admin-history";
import { configPerRequest } from "./routes/config-context";
import { renderError, renderNotFound } from "./routes/errors";
import { datasetRoutes } from "./routes/datasets";
import { drainUnreadBody } from "./routes/drain-body";
import { eventsRoutes } from "./routes/events";
import { feedbackRoutes } from "./routes/feedback";
import { healthRoutes } from "./routes/health";
import { langfuseRoutes } from "./routes/langfuse";
import { strictJsonBodies } from "./routes/json-body";
import { metricsRoutes } from "./routes/metrics";
import { openapiRoutes } from "./routes/openapi";
import { otlpRoutes } from "./routes/otlp";
import { patternRoutes } from "./routes/patterns";
import { proxyRoutes } from "./routes/proxy";
import { requestContext } from "./routes/request-context";
import { reviewRoutes } from "./routes/review";
import { sessionRoutes } from "./routes/sessions";
import { validationHook } from "./routes/validation";
import { uiRoutes } from "./routes/ui";

/**
 * The worker's app. An OpenAPIHono at the root, so every sub-app built with
 * `routeApp()` and mounted here with `.route()` brings its routes into the
 * document /openapi.json serves (generated from this app when first asked).
 */
export const app = new OpenAPIHono<RouteEnv>({ defaultHook: validationHook });

app.use(requestContext);
app.use(drainUnreadBody);
app.use(configPerRequest);
app.use(strictJsonBodies);
app.route("/", healthRoutes);
app.route("/", metricsRoutes);
app.route("/", uiRoutes);
app.route("/", openapiRoutes(app));
app.route("/v1/events", eventsRoutes);
app.route("/v1/feedback", feedbackRoutes);
app.route("/v1/sessions", sessionRoutes);
app.route("/v1/review", reviewRoutes);
app.route("/v1/patterns", patternRoutes);
app.route("/v1/datasets", datasetRoutes);
app.route("/v1/otlp", otlpRoutes);
app.route("/api/public/otel", langfuseRoutes);
app.route("/v1/proxy", proxyRoutes);
app.route("/v1/admin/history", adminHistoryRoutes);
app.route("/v1/admin", adminRoutes);
app.onError(renderError);
app.notFound(renderNotFound);

import { Hono } from "hono";
import type { Env } from "./env";
import { adminRoutes } from "./routes/admin";
import { renderError, renderNotFound } from "./routes/errors";
import { datasetRoutes } from "./routes/datasets";
import { eventsRoutes } from "./routes/events";
import { feedbackRoutes } from "./routes/feedback";
import { healthRoutes } from "./routes/health";
import { strictJsonBodies } from "./routes/json-body";
import { metricsRoutes } from "./routes/metrics";
import { openapiRoutes } from "./routes/openapi";
import { otlpRoutes } from "./routes/otlp";
import { patternRoutes } from "./routes/patterns";
import { proxyRoutes } from "./routes/proxy";
import { requestContext } from "./routes/request-context";
import { uiRoutes } from "./routes/ui";

export const app = new Hono<{ Bindings: Env }>()
  .use(requestContext)
  .use(strictJsonBodies)
  .route("/", healthRoutes)
  .route("/", metricsRoutes)
  .route("/", uiRoutes)
  .route("/", openapiRoutes)
  .route("/v1/events", eventsRoutes)
  .route("/v1/feedback", feedbackRoutes)
  .route("/v1/patterns", patternRoutes)
  .route("/v1/datasets", datasetRoutes)
  .route("/v1/otlp", otlpRoutes)
  .route("/v1/proxy", proxyRoutes)
  .route("/v1/admin", adminRoutes)
  .onError(renderError)
  .notFound(renderNotFound);

import { createRoute } from "@hono/zod-openapi";
import { requires, routeApp } from "../openapi/route-kit";
import { requireProjectKeyOrBasic, type ProjectVars } from "./auth";
import { handleOtlpTraces, OTLP_TRACES_DESCRIPTION, otlpProtobufErrors, otlpTracesRequest, otlpTracesResponses } from "./otlp";

/*
 * Langfuse drop-in: Langfuse's SDK (v4) exports OTLP to `{baseUrl}/api/public/otel/v1/traces` with
 * `Authorization: Basic base64(<public key>:<secret key>)`. Here the secret key is a Gleaner project key
 * (the public key is ignored), and the request is served exactly as POST /v1/otlp/v1/traces;
 * `langfuse.*` attributes are read by src/domain/otlp-conventions.ts.
 */
const exportLangfuseTraces = createRoute({
  method: "post",
  path: "/v1/traces",
  tags: ["otlp"],
  summary: "OTLP/HTTP traces at Langfuse's path (Langfuse SDK drop-in)",
  description:
    "The same as POST /v1/otlp/v1/traces, at the path Langfuse's SDK exports to: point the SDK's base URL at Gleaner and use a " +
    "project key as the secret key (`Authorization: Basic base64(<any public key>:<project key>)`; Bearer works too). " +
    OTLP_TRACES_DESCRIPTION,
  ...requires("project"),
  security: [{ projectKey: [] }, { projectKeyBasic: [] }],
  request: otlpTracesRequest,
  responses: otlpTracesResponses,
});

export const langfuseRoutes = routeApp<ProjectVars>();

langfuseRoutes.use("*", otlpProtobufErrors);
langfuseRoutes.use("*", requireProjectKeyOrBasic);

langfuseRoutes.openapi(exportLangfuseTraces, (c) => handleOtlpTraces(c));

import type { OpenAPIHono } from "@hono/zod-openapi";
import type { RouteEnv } from "./route-kit";

type JsonSchema = Record<string, unknown>;

export interface MediaTypeObject {
  schema?: JsonSchema;
  examples?: Record<string, { summary?: string; value: unknown }>;
}

/** An operation as the served document holds it (the parts tests and the reference read). */
export interface OperationObject {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  security: Record<string, string[]>[];
  parameters: JsonSchema[];
  requestBody?: { required?: boolean; content: Record<string, MediaTypeObject> };
  responses: Record<string, { description: string; headers?: Record<string, JsonSchema>; content?: Record<string, MediaTypeObject> }>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema>; parameters: Record<string, JsonSchema> };
}

/** Every tag a route may carry, in the order the reference lists them. */
const TAGS: Record<string, string> = {
  events: "Ingest, read and rate events (project key)",
  patterns: "Reusable patterns distilled from high-value events (project key)",
  datasets: "Fine-tuning datasets and their immutable snapshots (project key)",
  otlp: "OpenTelemetry GenAI spans (project key)",
  proxy: "An OpenAI-compatible logging proxy (project key)",
  admin: "Keys, jobs and totals (admin token)",
  "admin: lifecycle": "Retention, archives and dead letters (admin token)",
  "admin: scoring": "Weight profiles, the rules that choose them, fitted weights (admin token)",
  service: "Health, metrics and this reference (no key)",
};

/** The security schemes and the project parameter that routes reference (src/openapi/route-kit.ts `requires`). */
function registerShared(app: OpenAPIHono<RouteEnv>): void {
  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "projectKey", {
    type: "http",
    scheme: "bearer",
    description: "a project key (`glk_…`) from POST /v1/admin/projects/{project}/keys",
  });
  registry.registerComponent("securitySchemes", "projectKeyBasic", {
    type: "http",
    scheme: "basic",
    description: "a project key as the password of Basic auth (`<any user>:<project key>`), as Langfuse's SDK sends it; /api/public/otel only",
  });
  registry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "the admin token (GLEANER_ADMIN_TOKEN, or .gleaner/admin-token under npm start)",
  });
  registry.registerComponent("securitySchemes", "metricsToken", { type: "http", scheme: "bearer", description: "METRICS_TOKEN, only when it is set" });
  registry.registerComponent("parameters", "Project", {
    name: "X-Gleaner-Project",
    in: "header",
    required: false,
    description: "the project the caller means; 403 when it is not the key's (`?project=` works too)",
    schema: { type: "string" },
  });
}

/** `post /v1/events/{id}/score` → `postV1EventsIdScore`. */
function operationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
}

/** The document generated from `app`'s routes, with operation ids and the tags they use. */
function generate(app: OpenAPIHono<RouteEnv>): OpenApiDocument {
  registerShared(app);
  // A cast, kept: the generator types every field optional and path items loosely; route-kit has every route declare what OpenApiDocument requires.
  const generated = app.getOpenAPI31Document({
    openapi: "3.1.1",
    info: {
      title: "Gleaner",
      version: "1",
      description:
        "Interaction telemetry from AI agents and services: ingest, scoring, patterns and fine-tuning datasets. " +
        "Every /v1 route takes `Authorization: Bearer <key>`: a project key for data routes, the admin token for /v1/admin. " +
        'Errors always look like `{ "error": { "code", "message", "details" } }`.',
    },
    servers: [{ url: "/", description: "this Gleaner" }],
  }) as unknown as OpenApiDocument;
  for (const [path, item] of Object.entries(generated.paths)) {
    for (const [method, op] of Object.entries(item)) op.operationId ??= operationId(method, path);
  }
  const { schemas = {}, securitySchemes = {}, parameters = {} } = generated.components ?? {};
  return { ...generated, components: { schemas, securitySchemes, parameters } };
}

function withTags(doc: OpenApiDocument): OpenApiDocument {
  const used = new Set(Object.values(doc.paths).flatMap((item) => Object.values(item).flatMap((op) => op.tags ?? [])));
  const unknown = [...used].filter((t) => !(t in TAGS));
  if (unknown.length > 0) throw new Error(`tag(s) ${unknown.join(", ")} not described in src/openapi/document.ts TAGS`);
  const schemas = Object.fromEntries(Object.entries(doc.components.schemas).sort(([a], [b]) => a.localeCompare(b)));
  return {
    ...doc,
    tags: Object.entries(TAGS)
      .filter(([name]) => used.has(name))
      .map(([name, description]) => ({ name, description })),
    components: { ...doc.components, schemas },
  };
}

let built: OpenApiDocument | undefined;

/** The OpenAPI 3.1 document of every public route of `app` (the root app), built once per isolate. */
export function openApiDocument(app: OpenAPIHono<RouteEnv>): OpenApiDocument {
  built ??= withTags(generate(app));
  return built;
}

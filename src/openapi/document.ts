import type { z } from "zod";
import { type JsonSchema, SchemaConverter } from "./json-schema";
import type { Auth, Body, Example, Operation, Reply } from "./operation";
import { OPERATIONS } from "./operations";
import { errorSchema } from "./shared";

export interface MediaTypeObject {
  schema?: JsonSchema;
  examples?: Record<string, Example>;
}

export interface OperationObject {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  security: Record<string, string[]>[];
  parameters: JsonSchema[];
  requestBody?: { required: boolean; content: Record<string, MediaTypeObject> };
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

const JSON_TYPE = "application/json";

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

const SECURITY: Record<Auth, Record<string, string[]>[]> = {
  project: [{ projectKey: [] }],
  admin: [{ adminToken: [] }],
  none: [],
  metrics: [{}, { metricsToken: [] }],
};

const AUTH_ERRORS: Record<Auth, Record<number, string>> = {
  project: { 401: "missing, unknown or revoked project key", 403: "the admin token, or a key of another project than X-Gleaner-Project / ?project= names" },
  admin: { 401: "missing or wrong admin token", 403: "a project key", 503: "GLEANER_ADMIN_TOKEN is not set: admin routes are disabled (`admin_disabled`)" },
  metrics: { 401: "METRICS_TOKEN is set and was not sent" },
  none: {},
};

const RETRY_AFTER = { "Retry-After": { description: "seconds to wait before retrying", schema: { type: "string" } } };

/** `post /v1/events/{id}/score` → `postV1EventsIdScore`. */
function operationId(op: Operation): string {
  const words = op.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return op.method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}

function parameters(converter: SchemaConverter, where: "path" | "query", schema: z.ZodObject | undefined): JsonSchema[] {
  if (!schema) return [];
  const json = converter.convert(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, { description, ...propertySchema }]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    ...(description ? { description } : {}),
    schema: propertySchema,
  }));
}

function mediaType(converter: SchemaConverter, body: Body): [string, MediaTypeObject] {
  const type = body.mediaType ?? JSON_TYPE;
  const schema = converter.convert(body.schema, "input");
  if (!body.lines) return [type, { schema, examples: body.examples }];
  const name = typeof schema.$ref === "string" ? schema.$ref.split("/").pop() : undefined;
  return [type, { schema: { type: "string", description: `one JSON value a line${name ? `; each line: ${name}` : ""}` }, examples: body.examples }];
}

function reply(converter: SchemaConverter, r: Reply) {
  const type = r.mediaType ?? JSON_TYPE;
  return {
    description: r.description,
    ...(r.headers
      ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, description]) => [h, { description, schema: { type: "string" } }])) }
      : {}),
    ...(r.schema
      ? { content: { [type]: { schema: converter.convert(r.schema, "output"), ...(r.examples ? { examples: r.examples } : {}) } } }
      : r.mediaType
        ? { content: { [type]: { schema: { type: "string" } } } }
        : {}),
  };
}

function errorReplies(converter: SchemaConverter, op: Operation) {
  const errors = { ...AUTH_ERRORS[op.auth], ...op.errors };
  const ref = converter.convert(errorSchema, "output");
  return Object.fromEntries(
    Object.entries(errors).map(([status, description]) => [
      status,
      { description, ...(status === "429" || status === "503" ? { headers: RETRY_AFTER } : {}), content: { [JSON_TYPE]: { schema: ref } } },
    ]),
  );
}

function operationObject(converter: SchemaConverter, op: Operation): OperationObject {
  return {
    operationId: operationId(op),
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security: SECURITY[op.auth],
    parameters: [
      ...parameters(converter, "path", op.params),
      ...parameters(converter, "query", op.query),
      ...(op.auth === "project" ? [{ $ref: "#/components/parameters/Project" }] : []),
    ],
    ...(op.body ? { requestBody: { required: !op.bodyOptional, content: Object.fromEntries(op.body.map((b) => mediaType(converter, b))) } } : {}),
    responses: {
      ...Object.fromEntries(Object.entries(op.responses).map(([status, r]) => [status, reply(converter, r)])),
      ...errorReplies(converter, op),
    },
  };
}

/**
 * The OpenAPI 3.1 document for `operations`, built from the zod schemas the
 * routes validate with: request schemas as they are sent (zod's input side),
 * response schemas as they are returned.
 */
export function buildOpenApiDocument(operations: readonly Operation[]): OpenApiDocument {
  const converter = new SchemaConverter();
  const paths: OpenApiDocument["paths"] = {};
  for (const op of operations) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is described twice`);
    item[op.method] = operationObject(converter, op);
  }
  return {
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
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name, description: TAGS[name] ?? name })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(converter.components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        projectKey: { type: "http", scheme: "bearer", description: "a project key (`glk_…`) from POST /v1/admin/projects/{project}/keys" },
        adminToken: { type: "http", scheme: "bearer", description: "the admin token (GLEANER_ADMIN_TOKEN, or .gleaner/admin-token under npm start)" },
        metricsToken: { type: "http", scheme: "bearer", description: "METRICS_TOKEN, only when it is set" },
      },
      parameters: {
        Project: {
          name: "X-Gleaner-Project",
          in: "header",
          required: false,
          description: "the project the caller means; 403 when it is not the key's (`?project=` works too)",
          schema: { type: "string" },
        },
      },
    },
  };
}

let built: OpenApiDocument | undefined;

/** The document for every public route, built once per isolate. */
export function openApiDocument(): OpenApiDocument {
  built ??= buildOpenApiDocument(OPERATIONS);
  return built;
}

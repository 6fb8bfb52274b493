import type { z } from "zod";
import { type JsonSchema, SchemaConverter } from "./json-schema";
import type { Auth, Body, Operation, Reply } from "./operation";
import { OPERATIONS } from "./operations";
import type { MediaTypeObject, OpenApiDocument, OperationObject } from "./document";
import { errorSchema } from "./shared";

/*
 * TRANSITION, to be deleted: the hand-kept operations of routes not yet
 * declared with createRoute (src/openapi/operations.ts), rendered the old way
 * and merged into the generated document. A converter deletes its
 * src/openapi/paths/*.ts file and its line in operations.ts; whoever empties
 * OPERATIONS deletes this file, operation.ts, operations.ts, json-schema.ts,
 * examples.ts and src/openapi/paths/, and the `withLegacyOperations` call in
 * document.ts.
 */

const JSON_TYPE = "application/json";

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
 * `generated` with the legacy operations added. A path and method in both is
 * an error: a converted route must lose its legacy entry. Schemas the
 * generated document already names are kept as generated.
 */
export function withLegacyOperations(generated: OpenApiDocument): OpenApiDocument {
  const converter = new SchemaConverter();
  const paths = structuredClone(generated.paths);
  for (const op of OPERATIONS) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) {
      throw new Error(
        `${op.method.toUpperCase()} ${op.path} is declared with createRoute and still listed in src/openapi/operations.ts: delete its legacy entry`,
      );
    }
    item[op.method] = operationObject(converter, op);
  }
  return {
    ...generated,
    paths,
    components: { ...generated.components, schemas: { ...converter.components, ...generated.components.schemas } },
  };
}

function issues(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
}

function bodyIssues(body: Pick<Body, "schema" | "lines">, value: unknown): string[] {
  if (!body.lines) return issues(body.schema, value);
  if (typeof value !== "string") return ["an NDJSON example must be a string"];
  return value
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line, i) => {
      try {
        return issues(body.schema, JSON.parse(line)).map((m) => `line ${i + 1}: ${m}`);
      } catch {
        return [`line ${i + 1}: not JSON`];
      }
    });
}

/**
 * Checks every example a served document carries against the zod schema its
 * operation validates with (request bodies) or answers with (responses), and
 * that every request body has at least one example. Returns one line per problem.
 */
export function legacyExampleProblems(document: OpenApiDocument, operations: readonly Operation[] = OPERATIONS): string[] {
  const problems: string[] = [];
  for (const op of operations) {
    const where = `${op.method.toUpperCase()} ${op.path}`;
    const served = document.paths[op.path]?.[op.method];
    if (!served) {
      problems.push(`${where}: not in the document`);
      continue;
    }
    for (const body of op.body ?? []) {
      const type = body.mediaType ?? "application/json";
      const examples = Object.entries(served.requestBody?.content[type]?.examples ?? {});
      if (examples.length === 0) problems.push(`${where} ${type}: no example`);
      for (const [name, example] of examples) for (const m of bodyIssues(body, example.value)) problems.push(`${where} ${type} example '${name}': ${m}`);
    }
    for (const [status, reply] of Object.entries(op.responses)) {
      if (!reply.schema) continue;
      const type = reply.mediaType ?? "application/json";
      for (const [name, example] of Object.entries(served.responses[status]?.content?.[type]?.examples ?? {})) {
        for (const m of issues(reply.schema, example.value)) problems.push(`${where} ${status} example '${name}': ${m}`);
      }
    }
  }
  return problems;
}

import type { OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";

type Content = Record<string, { schema?: unknown; examples?: Record<string, { value?: unknown }> }>;

function isZod(schema: unknown): schema is z.ZodType {
  return typeof (schema as z.ZodType | undefined)?.safeParse === "function";
}

function contentProblems(where: string, content: Content | undefined): string[] {
  return Object.entries(content ?? {}).flatMap(([type, media]) => {
    if (!isZod(media.schema)) return [];
    const schema = media.schema;
    return Object.entries(media.examples ?? {}).flatMap(([name, example]) => {
      const parsed = schema.safeParse(example.value);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${where} ${type} example '${name}': ${i.path.join(".") || "(root)"}: ${i.message}`);
    });
  });
}

/**
 * Every example a route declares with a zod schema beside it (request bodies
 * and answers), checked at run time against that schema: the compiler checks
 * their types, not refinements such as an ISO time. One line per problem.
 */
export function exampleProblems(app: Pick<OpenAPIHono, "openAPIRegistry">): string[] {
  return app.openAPIRegistry.definitions.flatMap((def) => {
    if (def.type !== "route") return [];
    const { method, path, request, responses } = def.route;
    const where = `${method.toUpperCase()} ${path}`;
    return [
      ...contentProblems(where, request?.body?.content as Content | undefined),
      ...Object.entries(responses).flatMap(([status, reply]) => contentProblems(`${where} ${status}`, (reply as { content?: Content }).content)),
    ];
  });
}

import { z } from "zod";

type Meta = { id?: string; description?: string; [key: string]: unknown };

/**
 * Component names for the schemas the document publishes once and references
 * with `$ref`. Names live here rather than in `.meta()` (which would clone the
 * schema, and the document must describe the very objects the routes validate
 * with); descriptions given with `.describe()` still come from zod's global
 * registry.
 */
class SchemaNames extends z.core.$ZodRegistry<Meta> {
  override get(schema: z.core.$ZodType): Meta | undefined {
    const own = super.get(schema);
    const global = z.globalRegistry.get(schema) as Meta | undefined;
    return own || global ? { ...global, ...own } : undefined;
  }
}

export const schemaNames = new SchemaNames();

/** Publishes `schema` as `#/components/schemas/{id}`; returns it unchanged. */
export function named<T extends z.ZodType>(schema: T, id: string): T {
  schemaNames.add(schema, { id });
  return schema;
}

// zod-to-openapi's own metadata registry: exported for this (the deprecation tag says "not really deprecated").
import { zodToOpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

/**
 * Publishes `schema` as `#/components/schemas/{id}` and returns it unchanged.
 * `.openapi(id)` and `.meta({ id })` would clone the schema, and zod-to-openapi
 * 9.1 reads a bare `.meta` id only for schemas it already holds metadata for:
 * the name is set here in its registry on the very object the routes validate
 * with, so every use of it becomes a `$ref`. A `.describe()` description is kept.
 */
export function named<T extends z.ZodType>(schema: T, id: string): T {
  zodToOpenAPIRegistry.add(schema, { ...zodToOpenAPIRegistry.get(schema), _internal: { refId: id } });
  return schema;
}

/**
 * Tells the document what a schema it cannot translate accepts (a `z.custom`
 * check, say): `documentAs(envelope.shape.record, { type: "object" })`.
 * Returns the schema unchanged; validation is not affected.
 */
export function documentAs<T extends z.ZodType>(
  schema: T,
  jsonSchema: { type: "object" | "string" | "number" | "boolean" | "array"; description?: string },
): T {
  const meta = z.globalRegistry.get(schema);
  if (meta) z.globalRegistry.remove(schema);
  z.globalRegistry.add(schema, { ...meta, ...jsonSchema });
  return schema;
}

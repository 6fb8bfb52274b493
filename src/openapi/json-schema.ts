import { z } from "zod";

export type JsonSchema = Record<string, unknown>;

/** Publishes zod schemas as JSON Schema 2020-12, hoisting named ones into components. */
export class SchemaConverter {
  readonly components: Record<string, JsonSchema> = {};

  convert(schema: z.ZodType, io: "input" | "output"): JsonSchema {
    const json = z.toJSONSchema(schema, {
      target: "draft-2020-12",
      io,
      metadata: z.globalRegistry,
      // The one unrepresentable schema is the legacy envelope's `record` (any JSON object).
      unrepresentable: "any",
      override: (ctx) => {
        if (ctx.zodSchema._zod.def.type === "custom") ctx.jsonSchema.type = "object";
      },
    }) as JsonSchema;
    const { $schema: _dialect, $defs, ...root } = json;
    for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) this.publish(name, toComponentRefs(def) as JsonSchema);
    return toComponentRefs(root) as JsonSchema;
  }

  private publish(name: string, schema: JsonSchema): void {
    const existing = this.components[name];
    if (existing && JSON.stringify(existing) !== JSON.stringify(schema)) {
      // A schema with defaults or transforms reads differently as sent and as returned: name only one side of it.
      throw new Error(`schema '${name}' differs between its uses (request vs response?); leave it unnamed`);
    }
    this.components[name] = schema;
  }
}

function toComponentRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toComponentRefs);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === "$ref" && typeof v === "string" ? v.replace(/^#\/\$defs\//, "#/components/schemas/") : toComponentRefs(v)]),
  );
}

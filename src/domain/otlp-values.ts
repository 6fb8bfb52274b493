import { z } from "zod";

/*
 * The value types OTLP/JSON shares between traces and logs (AnyValue, KeyValue, nanoseconds),
 * validated all the way down, and their plain JSON reading.
 */

/** OTLP/JSON AnyValue, recursively. */
export type AnyValue = {
  stringValue?: string | undefined;
  boolValue?: boolean | undefined;
  intValue?: string | number | undefined;
  doubleValue?: number | string | undefined;
  arrayValue?: { values?: AnyValue[] | undefined } | undefined;
  kvlistValue?: { values?: KeyValue[] | undefined } | undefined;
  bytesValue?: string | undefined;
};
export type KeyValue = { key: string; value?: AnyValue | undefined };

/** Unsigned 64-bit nanoseconds: proto3 JSON writes them as decimal strings; some exporters send numbers. */
export const unixNanosSchema = z.union([
  z.string().refine((v) => /^\d{1,20}$/.test(v) && BigInt(v) < 2n ** 64n, "must be unsigned 64-bit integer nanoseconds (decimal digits)"),
  z
    .number()
    .nonnegative()
    .refine((v) => Number.isInteger(v) && v < 2 ** 64, "must be whole nanoseconds that fit in 64 bits"),
]);

/** The AnyValue of the OTLP/JSON encoding, validated all the way down (the body's depth is limited before parsing). */
export const otlpAnyValueSchema: z.ZodType<AnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: z.union([z.string().regex(/^-?\d{1,19}$/, "must be a 64-bit integer"), z.number().refine(Number.isInteger, "must be an integer")]).optional(),
    doubleValue: z.union([z.number(), z.enum(["NaN", "Infinity", "-Infinity"])]).optional(),
    arrayValue: z.object({ values: z.array(otlpAnyValueSchema).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(otlpKeyValueSchema).optional() }).optional(),
    bytesValue: z.string().optional(),
  }),
);
export const otlpKeyValueSchema: z.ZodType<KeyValue> = z.lazy(() => z.object({ key: z.string(), value: otlpAnyValueSchema.optional() }));

/** An AnyValue as a plain JSON value: kvlist → object, array → array, int → number. */
export function plainValue(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return typeof v.doubleValue === "number" ? v.doubleValue : undefined;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(plainValue);
  if (v.kvlistValue) return Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => [kv.key, plainValue(kv.value)]));
  if (v.bytesValue !== undefined) return v.bytesValue;
  return undefined;
}

/** Attributes as a map of plain values. */
export const attributeMap = (kvs: readonly KeyValue[] | undefined) => new Map((kvs ?? []).map((kv) => [kv.key, plainValue(kv.value)]));

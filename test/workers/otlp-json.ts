/** A plain JSON value as an OTLP/JSON AnyValue (objects → kvlistValue, arrays → arrayValue), for tests that build spans by hand. */
export function any(v: unknown): Record<string, unknown> {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(any) } };
  if (v !== null && typeof v === "object") return { kvlistValue: { values: Object.entries(v).map(([key, value]) => ({ key, value: any(value) })) } };
  return {};
}

export const attr = (key: string, value: unknown) => ({ key, value: any(value) });

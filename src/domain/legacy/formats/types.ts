import type { FieldRules, LegacyRecord } from "../field-rules";

/**
 * The upcaster of one legacy producer format to event schema v1. `version` is
 * bumped whenever the mapping changes and is stored with every event it maps
 * (`attributes.legacy.upcaster`), so events mapped by an older rule stay known.
 */
export interface LegacyFormat {
  name: string;
  version: number;
  /** The v1 `source` when the record names no producer of its own. */
  source: string;
  /** `type` is the record's `event` (or `event_type`); `file` is the origin file label. */
  matches(record: LegacyRecord, type: string, file: string): boolean;
  rules(type: string): FieldRules;
}

/** True when `value` is one of a fixed set of strings. */
export const oneOf = (values: readonly string[]) => {
  const set = new Set(values);
  return (value: unknown): boolean => typeof value === "string" && set.has(value);
};

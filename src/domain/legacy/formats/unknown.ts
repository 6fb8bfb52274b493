import { COMMON_RULES } from "../field-rules";
import type { LegacyFormat } from "./types";

/**
 * Any other record with an event type: stored under that type, not rejected.
 * Fields named as in v1 are taken when they fit; everything else stays in attributes.
 */
export const unknownFormat: LegacyFormat = {
  name: "unknown",
  version: 1,
  source: "legacy",
  matches: () => true,
  rules: () => COMMON_RULES,
};

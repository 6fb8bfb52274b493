import { COMMON_RULES, type FieldRules } from "../field-rules";
import { oneOf, type LegacyFormat } from "./types";

/** Every event type the hybrid coordinator writes through record_telemetry_event. */
const isHybridEvent = oneOf([
  "context_augmented",
  "interaction_tracked",
  "route_search",
  "local_inference",
  "learning_feedback",
  "harness_eval",
  "agent_memory_store",
  "agent_memory_recall",
  "hybrid_search",
]);

function rules(type: string): FieldRules {
  if (type === "harness_eval") {
    return { ...COMMON_RULES, outcome: (r) => (r.passed === true ? "success" : r.passed === false ? "failure" : undefined) };
  }
  return COMMON_RULES;
}

/**
 * hybrid-events.jsonl at HEAD (since 2026-03-07): `event` and `event_type` both
 * written, payload privacy-scrubbed (query/response are `sha256:` markers).
 */
export const hybridHead: LegacyFormat = {
  name: "hybrid-service-head",
  version: 1,
  source: "hybrid-coordinator",
  matches: (r, type) => r.event === type && r.event_type === type && isHybridEvent(type),
  rules,
};

/** hybrid-events.jsonl before 2026-03-07 (the Jan file): `event_type` only, no scrub. */
export const hybridJan: LegacyFormat = {
  name: "hybrid-service-jan",
  version: 1,
  source: "hybrid-coordinator",
  matches: (r, type) => r.event === undefined && isHybridEvent(type),
  rules,
};

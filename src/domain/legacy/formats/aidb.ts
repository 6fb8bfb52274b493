import type { LegacyFormat } from "./types";

/** aidb-events.jsonl (aidb/server.py record_telemetry), the same envelope in Jan and at HEAD. No text content. */
export const aidb: LegacyFormat = {
  name: "aidb",
  version: 1,
  source: "aidb",
  matches: (r) => r.source === "aidb",
  rules: () => ({ model: "model", latency_ms: "latency_ms" }),
};

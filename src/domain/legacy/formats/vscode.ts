import type { LegacyFormat } from "./types";

/** vscode-events.jsonl (aidb/vscode_telemetry.py): `success` and `user_feedback` are the producer's own verdicts. */
export const vscode: LegacyFormat = {
  name: "vscode",
  version: 1,
  source: "vscode",
  matches: (r) => typeof r.extension === "string" && ("is_local" in r || "success" in r),
  rules: () => ({
    model: "model_used",
    latency_ms: "latency_ms",
    feedback: "user_feedback",
    outcome: (r) => (r.success === true ? "success" : r.success === false ? "failure" : undefined),
  }),
};

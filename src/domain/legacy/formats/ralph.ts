import type { Outcome } from "../../event-schema";
import type { FieldRules, LegacyRecord } from "../field-rules";
import { oneOf, type LegacyFormat } from "./types";

const isRalphEvent = oneOf(["task_submitted", "adaptive_limit_calculated", "iteration_completed", "task_completed"]);

/** exit_code 0 is success, 2 is "exit blocked" (the loop goes on: no verdict), anything else an error. */
function iterationOutcome(r: LegacyRecord): Outcome | undefined {
  if (typeof r.exit_code !== "number") return undefined;
  return r.exit_code === 0 ? "success" : r.exit_code === 2 ? undefined : "failure";
}

/**
 * `completed` is also written when the iteration cap is hit (total_iterations =
 * cap + 1); the cap is only known for adaptive runs (adaptive_limit_used).
 * `stopped` says nothing about the result.
 */
function taskOutcome(r: LegacyRecord): Outcome | undefined {
  switch (r.status) {
    case "completed":
      return typeof r.adaptive_limit_used === "number" && typeof r.total_iterations === "number" && r.total_iterations > r.adaptive_limit_used
        ? "partial"
        : "success";
    case "failed":
    case "rejected":
      return "failure";
    default:
      return undefined;
  }
}

const TASK: FieldRules = { interaction_id: "task_id" };

/** ralph-events.jsonl (ralph-wiggum loop_engine.py and hooks.py): key `event`, no `event_type`. */
export const ralph: LegacyFormat = {
  name: "ralph",
  version: 1,
  source: "ralph",
  matches: (r, type, file) => r.event_type === undefined && r.event === type && (isRalphEvent(type) || /ralph/i.test(file)),
  rules(type) {
    if (type === "iteration_completed") return { ...TASK, outcome: iterationOutcome };
    if (type === "task_completed") return { ...TASK, query: "task.prompt", response: "task.output", outcome: taskOutcome };
    return TASK;
  },
};

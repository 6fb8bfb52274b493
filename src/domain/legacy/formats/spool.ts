import { COMMON_RULES } from "../field-rules";
import type { LegacyFormat } from "./types";

/**
 * agent_step_complete in the user spool ($REPO_ROOT/.agents/telemetry/hybrid-events.jsonl):
 * dispatch.py (source delegate-direct), local-agents/agent_executor.py (no source;
 * response may be a JSON string of a dict) and apparmor-fix-agent.py.
 */
export const spoolAgentStep: LegacyFormat = {
  name: "spool-agent-step",
  version: 1,
  source: "local-agents",
  matches: (_r, type) => type === "agent_step_complete",
  rules: () => COMMON_RULES,
};

/**
 * local_inference from the direct writers (no `event` key, raw text, no scrub):
 * ai_coordinator_handlers.py, core/llm_client.py (`+00:00Z` times), aq-chat's
 * fast path and aq-agent-loop (both name their source).
 */
export const directInference: LegacyFormat = {
  name: "direct-local-inference",
  version: 1,
  source: "hybrid-coordinator",
  matches: (r, type) => type === "local_inference" && r.event === undefined,
  rules: () => COMMON_RULES,
};

/** aq-health-spider: health_spider_* and apparmor_fix_*; `timestamp` may be a Unix float. */
export const healthSpider: LegacyFormat = {
  name: "health-spider",
  version: 1,
  source: "health-spider",
  matches: (r, type) => r.source === "health-spider" || /^(health_spider_|apparmor_fix_)/.test(type),
  rules: () => ({}),
};

/** attention_queue.py lock contention: `acquired` is the verdict, `elapsed_ms` the wait. */
export const queueLockContention: LegacyFormat = {
  name: "queue-lock-contention",
  version: 1,
  source: "attention-queue",
  matches: (_r, type) => type === "queue_lock_contention",
  rules: () => ({
    latency_ms: ["elapsed_ms", "details.duration_ms"],
    outcome: (r) => (r.acquired === true ? "success" : r.acquired === false ? "failure" : undefined),
  }),
};

/** ai-stack/workflows/node_dispatcher.py: float `ts` instead of `timestamp`, `duration_s`, `status`. */
export const nodeDispatcher: LegacyFormat = {
  name: "node-dispatcher",
  version: 1,
  source: "node-dispatcher",
  matches: (r, type) => type.startsWith("workflow_step_") || (r.timestamp === undefined && r.ts !== undefined),
  rules: () => ({
    session_id: "execution_id",
    latency_s: "duration_s",
    outcome: (r) => (r.status === "completed" ? "success" : r.status === "failed" ? "failure" : undefined),
  }),
};

import { describe, expect, it } from "vitest";
import { eventV1Schema } from "../../src/domain/event-schema";
import { upcastLegacyEnvelope } from "../../src/domain/legacy";

const H = "sha256:" + "ab".repeat(32);
const H2 = "sha256:" + "cd".repeat(32);

/** Upcasts one line as it is on disk (json.dumps text, \uXXXX escapes and all). */
function upcastLine(line: string, file = "hybrid-events.jsonl", offset = 0) {
  const result = upcastLegacyEnvelope({ schema_version: "legacy", origin: { file, offset }, record: JSON.parse(line) });
  if (!result.ok) throw new Error(`rejected: ${JSON.stringify(result.errors)}`);
  const checked = eventV1Schema.safeParse(result.event);
  if (!checked.success) throw new Error(`not a valid v1 event: ${JSON.stringify(checked.error.issues)}`);
  return result.event as Record<string, any>;
}

/** [case, file, line as written by the producer, format, expected v1 fields] */
const CASES: [string, string, string, string, Record<string, unknown>][] = [
  [
    "ralph task_submitted (naive time, Dec build)",
    "ralph-events.jsonl",
    '{"event": "task_submitted", "task_id": "537b4f8f-8f2e-492c-abee-2f1916fba26f", "backend": "aider", "prompt_length": 90, "timestamp": "2026-01-05T17:49:37.069463"}',
    "ralph",
    {
      type: "task_submitted",
      source: "ralph",
      interaction_id: "537b4f8f-8f2e-492c-abee-2f1916fba26f",
      timestamp: "2026-01-05T17:49:37.069463",
      attributes: { backend: "aider", prompt_length: 90 },
    },
  ],
  [
    "ralph adaptive_limit_calculated (HEAD: hashed preview, no task_id)",
    "ralph-events.jsonl",
    `{"event": "adaptive_limit_calculated", "prompt_preview": "${H}", "complexity": "moderate", "base_limit": 10, "history_adjustment": 1.5, "final_limit": 15, "task_type": "fix", "backend": "aider", "timestamp": "2026-08-20T10:00:00.000001+00:00"}`,
    "ralph",
    { type: "adaptive_limit_calculated", attributes: { prompt_preview: H, final_limit: 15, scrubbed: { prompt_preview: "sha256" } } },
  ],
  [
    "ralph iteration_completed exit 0 (hook copy with output_length)",
    "ralph-events.jsonl",
    '{"event": "iteration_completed", "task_id": "t-1", "iteration": 1, "backend": "aider", "exit_code": 0, "output_length": 812, "timestamp": "2026-03-08T10:00:00+00:00"}',
    "ralph",
    { outcome: "success", interaction_id: "t-1", attributes: { iteration: 1, exit_code: 0, output_length: 812 } },
  ],
  [
    "ralph iteration_completed exit 1",
    "ralph-events.jsonl",
    '{"event": "iteration_completed", "task_id": "t-1", "iteration": 2, "backend": "aider", "exit_code": 1, "timestamp": "2026-03-08T10:00:01+00:00"}',
    "ralph",
    { outcome: "failure" },
  ],
  [
    "ralph task_completed with raw task (Jan 11 hand-written compact line)",
    "ralph-events.jsonl",
    '{"event":"task_completed","task_id":"test-task-1768154574","status":"completed","total_iterations":2,"task":{"task_id":"test-task-1768154574","prompt":"Verify learning pipeline telemetry processing","output":"Processed telemetry and generated dataset entry.","iteration":2,"backend":"aider","context":{"source":"manual-test"}},"timestamp":"2026-01-11T18:02:54+00:00"}',
    "ralph",
    {
      outcome: "success",
      query: "Verify learning pipeline telemetry processing",
      response: "Processed telemetry and generated dataset entry.",
      attributes: { status: "completed", task: { task_id: "test-task-1768154574", iteration: 2, backend: "aider", context: { source: "manual-test" } } },
    },
  ],
  [
    "ralph task_completed at HEAD: hashed prompt/output, iteration cap hit",
    "ralph-events.jsonl",
    `{"event": "task_completed", "task_id": "t-2", "status": "completed", "total_iterations": 4, "iteration_mode": "adaptive", "adaptive_limit_used": 3, "task": {"task_id": "t-2", "prompt": "${H}", "output": "${H2}", "backend": "aider", "iteration": 4, "context": {}}, "timestamp": "2026-08-20T10:00:00+00:00"}`,
    "ralph",
    { outcome: "partial", attributes: { task: { prompt: H, output: H2 }, scrubbed: { "task.prompt": "sha256", "task.output": "sha256" } } },
  ],
  [
    "ralph task_completed failed with last_error",
    "ralph-events.jsonl",
    '{"event": "task_completed", "task_id": "t-3", "status": "failed", "total_iterations": 1, "task": {"task_id": "t-3", "prompt": "fix it", "output": "", "context": {"last_error": "boom"}}, "timestamp": "2026-02-01T00:00:00+00:00"}',
    "ralph",
    { outcome: "failure", query: "fix it", attributes: { task: { output: "", context: { last_error: "boom" } } } },
  ],
  [
    "ralph task_completed stopped: no verdict",
    "ralph-events.jsonl",
    '{"event": "task_completed", "task_id": "t-4", "status": "stopped", "total_iterations": 1, "timestamp": "2026-02-01T00:00:00+00:00"}',
    "ralph",
    { attributes: { status: "stopped" } },
  ],
  [
    "aidb skills_list (nulls)",
    "aidb-events.jsonl",
    '{"timestamp": "2025-12-22T04:00:14.640221+00:00", "source": "aidb", "event_type": "skills_list", "llm_used": null, "tokens_saved": 0, "rag_hits": 0, "collections_used": [], "model": null, "latency_ms": null, "cache_hit": null, "metadata": {"include_pending": false, "count": 0}}',
    "aidb",
    { type: "skills_list", source: "aidb", attributes: { llm_used: null, cache_hit: null, metadata: { include_pending: false, count: 0 } } },
  ],
  [
    "aidb telemetry_probe (model, latency)",
    "aidb-events.jsonl",
    '{"timestamp": "2025-12-22T21:43:25.581298+00:00", "source": "aidb", "event_type": "telemetry_probe", "llm_used": "local", "tokens_saved": 0, "rag_hits": 0, "collections_used": [], "model": "local-telemetry-probe", "latency_ms": 10200, "cache_hit": null, "metadata": {"prompt_chars": 55}}',
    "aidb",
    { model: "local-telemetry-probe", latency_ms: 10200, attributes: { llm_used: "local" } },
  ],
  [
    "hybrid Jan context_augmented",
    "hybrid-events.jsonl",
    '{"timestamp": "2025-12-22T06:00:52.143137+00:00", "event_type": "context_augmented", "agent_type": "remote", "context_count": 0, "collections": ["codebase-context", "skills-patterns"]}',
    "hybrid-service-jan",
    { type: "context_augmented", source: "hybrid-coordinator", attributes: { agent_type: "remote", collections: ["codebase-context", "skills-patterns"] } },
  ],
  [
    "hybrid Jan interaction_tracked",
    "hybrid-events.jsonl",
    '{"timestamp": "2026-01-10T09:12:03.118504+00:00", "event_type": "interaction_tracked", "interaction_id": "6f1c9a52-0d1e-4a57-9f7b-1c2d3e4f5a6b", "agent_type": "local", "model_used": "qwen2.5-coder", "tokens_used": 812, "latency_ms": 2300, "context_count": 3}',
    "hybrid-service-jan",
    { interaction_id: "6f1c9a52-0d1e-4a57-9f7b-1c2d3e4f5a6b", model: "qwen2.5-coder", latency_ms: 2300, attributes: { tokens_used: 812 } },
  ],
  [
    "hybrid HEAD route_search (event and event_type, hashed query)",
    "hybrid-events.jsonl",
    `{"timestamp": "2026-08-20T10:00:00.5+00:00", "event": "route_search", "event_type": "route_search", "query": "${H}", "route": "hybrid", "prefer_local": true, "generate_response": false, "context_keys": [], "prompt_cache_policy": {"enabled": true, "prefix_hash": "abc"}}`,
    "hybrid-service-head",
    { type: "route_search", attributes: { query: H, route: "hybrid", scrubbed: { query: "sha256" } } },
  ],
  [
    "hybrid HEAD local_inference (scrubbed, float latency, null tokens)",
    "hybrid-events.jsonl",
    `{"timestamp": "2026-08-20T10:00:01+00:00", "event": "local_inference", "event_type": "local_inference", "query": "${H}", "response": "${H2}", "latency_ms": 812.5, "profile": "default", "tokens_in": null, "tokens_out": 42}`,
    "hybrid-service-head",
    { latency_ms: 812.5, tokens_out: 42, attributes: { query: H, response: H2, profile: "default", scrubbed: { query: "sha256", response: "sha256" } } },
  ],
  [
    "hybrid HEAD harness_eval failed",
    "hybrid-events.jsonl",
    `{"timestamp": "2026-08-20T10:00:02+00:00", "event": "harness_eval", "event_type": "harness_eval", "query": "${H}", "mode": "quick", "score": 0.25, "passed": false, "failure_category": "wrong_answer", "latency_ms": 1500, "timeout_s": 30}`,
    "hybrid-service-head",
    { outcome: "failure", latency_ms: 1500, attributes: { passed: false, score: 0.25, failure_category: "wrong_answer" } },
  ],
  [
    "hybrid HEAD learning_feedback (no verdict in it)",
    "hybrid-events.jsonl",
    '{"timestamp": "2026-08-20T10:00:03+00:00", "event": "learning_feedback", "event_type": "learning_feedback", "feedback_id": "fb-1"}',
    "hybrid-service-head",
    { attributes: { feedback_id: "fb-1" } },
  ],
  [
    "hybrid HEAD agent_memory_store",
    "hybrid-events.jsonl",
    '{"timestamp": "2026-08-20T10:00:04+00:00", "event": "agent_memory_store", "event_type": "agent_memory_store", "memory_id": "m-1", "memory_type": "episodic", "collection": "agent-memory", "latency_ms": 12, "retry_attempt": 0}',
    "hybrid-service-head",
    { latency_ms: 12, attributes: { memory_id: "m-1" } },
  ],
  [
    "hybrid HEAD agent_memory_recall (redacted query)",
    "hybrid-events.jsonl",
    '{"timestamp": "2026-08-20T10:00:05+00:00", "event": "agent_memory_recall", "event_type": "agent_memory_recall", "query": "[REDACTED:secrets_detected:aws_key]", "results": 3, "mode": "hybrid", "memory_types": ["episodic"], "retrieval_plan": {}, "reflection_applied": false, "reflection_retries": 0, "latency_ms": 30}',
    "hybrid-service-head",
    { attributes: { query: "[REDACTED:secrets_detected:aws_key]", scrubbed: { query: "redacted" } } },
  ],
  [
    "hybrid HEAD hybrid_search",
    "hybrid-events.jsonl",
    `{"timestamp": "2026-08-20T10:00:06+00:00", "event": "hybrid_search", "event_type": "hybrid_search", "query": "${H}", "collections": ["a"], "semantic_results": 2, "keyword_results": 1, "sql_results": 0}`,
    "hybrid-service-head",
    { type: "hybrid_search", attributes: { semantic_results: 2, scrubbed: { query: "sha256" } } },
  ],
  [
    "direct local_inference, ai_coordinator_handlers (Z)",
    "hybrid-events.jsonl",
    '{"event_type": "local_inference", "timestamp": "2026-06-01T12:00:00.123456Z", "query": "What is NixOS?", "response": "A Linux distribution.", "model": "qwen2.5-7b", "latency_ms": 950, "tokens_in": 12, "tokens_out": 5, "profile": "default"}',
    "direct-local-inference",
    {
      source: "hybrid-coordinator",
      query: "What is NixOS?",
      response: "A Linux distribution.",
      model: "qwen2.5-7b",
      tokens_in: 12,
      tokens_out: 5,
      attributes: { profile: "default" },
    },
  ],
  [
    "direct local_inference, llm_client (+00:00Z)",
    "hybrid-events.jsonl",
    '{"event_type": "local_inference", "timestamp": "2026-06-01T12:00:00.123456+00:00Z", "query": "q", "response": "r", "model": "m", "latency_ms": 10, "tokens_in": null, "tokens_out": null}',
    "direct-local-inference",
    { timestamp: "2026-06-01T12:00:00.123456+00:00Z", query: "q" },
  ],
  [
    "direct local_inference, aq-chat fast path",
    "hybrid-events.jsonl",
    '{"event_type": "local_inference", "timestamp": "2026-06-01T12:00:00Z", "query": "q", "response": "r", "model": "m", "latency_ms": 10, "tokens_in": null, "tokens_out": null, "profile": "fast", "source": "aq-chat-fast-path"}',
    "direct-local-inference",
    { source: "aq-chat-fast-path" },
  ],
  [
    "spool agent_step_complete, dispatch.py",
    "agents-telemetry-hybrid-events.jsonl",
    '{"event_type": "agent_step_complete", "timestamp": "2026-05-28T18:14:11.863954Z", "query": "test query", "response": "A meaningful response", "latency_ms": 18000, "tokens_in": 50, "tokens_out": 30, "role": "implementer", "source": "delegate-direct"}',
    "spool-agent-step",
    { source: "delegate-direct", latency_ms: 18000, attributes: { role: "implementer" } },
  ],
  [
    "spool agent_step_complete, agent_executor (+00:00Z, JSON-string response, emoji)",
    "agents-telemetry-hybrid-events.jsonl",
    '{"event_type": "agent_step_complete", "timestamp": "2026-06-02T08:00:00.5+00:00Z", "query": "Fix the \\ud83d\\udd25 bug \\u2014 now", "response": "{\\"result\\": \\"done\\", \\"files\\": [\\"a.py\\"]}", "latency_ms": 1234.5, "session_id": "s-9", "tool_calls": 2, "model": "local", "tokens_used": 300, "useful_ratio": 0.5}',
    "spool-agent-step",
    {
      source: "local-agents",
      query: "Fix the 🔥 bug — now",
      response: '{"result": "done", "files": ["a.py"]}',
      session_id: "s-9",
      attributes: { tool_calls: 2, useful_ratio: 0.5, legacy: { response_is_json: true } },
    },
  ],
  [
    "spool agent_step_complete, apparmor-fix-agent",
    "agents-telemetry-hybrid-events.jsonl",
    '{"event_type": "agent_step_complete", "timestamp": "2026-05-30T14:58:08.910626+00:00", "query": "AppArmor denial fix", "response": "Committed 4 rule(s)", "latency_ms": 5126, "session_id": "apparmor-fix-6ebcc34e", "tool_calls": 3, "model": "apparmor-fix-agent", "tokens_used": 0, "source": "apparmor-fix-agent", "profile": "p", "rules_added": 4, "denials_resolved": 4}',
    "spool-agent-step",
    { source: "apparmor-fix-agent", model: "apparmor-fix-agent", attributes: { rules_added: 4, denials_resolved: 4 } },
  ],
  [
    "spool local_inference, aq-agent-loop",
    "agents-telemetry-hybrid-events.jsonl",
    '{"event_type": "local_inference", "timestamp": "2026-06-03T00:00:00Z", "query": "q", "response": "r", "model": "local", "latency_ms": 77, "tool_calls": 1, "source": "aq-agent-loop"}',
    "direct-local-inference",
    { source: "aq-agent-loop", model: "local", attributes: { tool_calls: 1 } },
  ],
  [
    "health-spider anomaly with a Unix float timestamp",
    "agents-telemetry-hybrid-events.jsonl",
    '{"timestamp": 1780164119.2421105, "event": "health_spider_http_failure", "event_type": "health_spider_http_failure", "source": "health-spider", "type": "http_failure", "zone": "hybrid-coordinator", "url": "http://127.0.0.1:8003/health", "service_state": "active"}',
    "health-spider",
    { type: "health_spider_http_failure", timestamp: 1780164119.2421105, attributes: { type: "http_failure", url: "http://127.0.0.1:8003/health" } },
  ],
  [
    "health-spider apparmor_fix_committed",
    "agents-telemetry-hybrid-events.jsonl",
    '{"timestamp": "2026-05-29T18:25:08.601997+00:00", "event": "apparmor_fix_committed", "event_type": "apparmor_fix_committed", "source": "health-spider", "zone": "dashboard", "profile": "p", "commit_hash": "4e1ce271", "rules_added": ["/etc/machine-id r,"]}',
    "health-spider",
    { attributes: { commit_hash: "4e1ce271" } },
  ],
  [
    "queue_lock_contention (event key, strftime Z)",
    "agents-telemetry-hybrid-events.jsonl",
    '{"event": "queue_lock_contention", "source": "attention_queue", "operation": "enqueue", "queue_path": "/q.json", "retry_count": 3, "elapsed_ms": 250.5, "acquired": false, "error_code": "EAGAIN", "timestamp": "2026-07-01T10:00:00Z"}',
    "queue-lock-contention",
    { source: "attention_queue", outcome: "failure", latency_ms: 250.5, attributes: { acquired: false, error_code: "EAGAIN" } },
  ],
  [
    "queue_lock_contention (event_type with details)",
    "agents-telemetry-hybrid-events.jsonl",
    '{"event_type": "queue_lock_contention", "timestamp": "2026-07-01T10:00:00Z", "source": "attention_queue.py", "details": {"lock_operation": "fcntl.flock", "attempt_count": 2, "duration_ms": 12.5, "error_code": null}}',
    "queue-lock-contention",
    { latency_ms: 12.5, attributes: { details: { lock_operation: "fcntl.flock", attempt_count: 2, error_code: null } } },
  ],
  [
    "node_dispatcher workflow_step_dispatched (float ts only)",
    "agents-telemetry-hybrid-events.jsonl",
    '{"ts": 1781000000.123456, "event_type": "workflow_step_dispatched", "execution_id": "ex-1", "node_id": "n1", "batch_id": "b1", "agent": "local"}',
    "node-dispatcher",
    { timestamp: 1781000000.123456, session_id: "ex-1", source: "node-dispatcher", attributes: { node_id: "n1", agent: "local" } },
  ],
  [
    "node_dispatcher workflow_step_complete failed",
    "agents-telemetry-hybrid-events.jsonl",
    '{"ts": 1781000001.5, "event_type": "workflow_step_complete", "execution_id": "ex-1", "node_id": "n1", "batch_id": "b1", "status": "failed", "error": "timeout", "duration_s": 1.234}',
    "node-dispatcher",
    { outcome: "failure", latency_ms: 1234, attributes: { duration_s: 1.234, error: "timeout" } },
  ],
  [
    "vscode completion with user feedback (naive client time)",
    "vscode-events.jsonl",
    '{"event_type": "completion", "extension": "continue", "timestamp": "2026-04-01T09:30:00", "model_used": "qwen2.5-coder", "is_local": true, "tokens_used": 120, "latency_ms": 340, "success": true, "error_message": null, "metadata": {"language": "python"}, "user_feedback": -1}',
    "vscode",
    { source: "vscode", outcome: "success", feedback: -1, model: "qwen2.5-coder", attributes: { extension: "continue", metadata: { language: "python" } } },
  ],
  [
    "vscode error at HEAD (hashed error_message, no feedback)",
    "vscode-events.jsonl",
    `{"event_type": "error", "extension": "claude-code", "timestamp": "2026-08-01T09:30:00+00:00", "model_used": null, "is_local": false, "tokens_used": null, "latency_ms": null, "success": false, "error_message": "${H}", "metadata": {}, "user_feedback": null}`,
    "vscode",
    { outcome: "failure", attributes: { error_message: H, scrubbed: { error_message: "sha256" } } },
  ],
  [
    "an event type no one documented",
    "hybrid-events.jsonl",
    '{"event_type": "brand_new_thing", "timestamp": "2026-09-01T00:00:00Z", "query": "kept as content", "widget": {"size": 3}}',
    "unknown",
    { type: "brand_new_thing", source: "legacy", query: "kept as content", attributes: { widget: { size: 3 } } },
  ],
  [
    "a new ralph event in the ralph file",
    "ralph-events.jsonl",
    '{"event": "loop_paused", "task_id": "t-5", "timestamp": "2026-09-01T00:00:00+00:00"}',
    "ralph",
    { type: "loop_paused", source: "ralph", interaction_id: "t-5" },
  ],
];

describe("legacy upcasters", () => {
  it.each(CASES)("maps %s", (_name, file, line, format, expected) => {
    const event = upcastLine(line, file, 100);
    expect(event).toMatchObject(expected);
    expect(event.attributes.legacy).toMatchObject({ format, upcaster: `${format}@1`, file, offset: 100 });
  });

  it("never invents an outcome or feedback the record does not state", () => {
    const event = upcastLine(
      '{"event_type": "completion", "extension": "kombai", "timestamp": "2026-04-01T09:30:00Z", "is_local": true, "metadata": {}, "user_feedback": null}',
      "vscode-events.jsonl",
    );
    expect(event).not.toHaveProperty("feedback");
    expect(event).not.toHaveProperty("outcome");
    for (const [, file, line] of CASES.filter(([name]) => /context_augmented|skills_list|task_submitted/.test(name))) {
      const e = upcastLine(line, file);
      expect(e).not.toHaveProperty("outcome");
      expect(e).not.toHaveProperty("feedback");
    }
  });

  it("takes the type from event, else event_type, and keeps a differing event_type", () => {
    const both = upcastLine('{"event": "a_b", "event_type": "c_d", "timestamp": "2026-01-01T00:00:00Z"}');
    expect(both.type).toBe("a_b");
    expect(both.attributes.event_type).toBe("c_d");
    const same = upcastLine('{"event": "x_y", "event_type": "x_y", "timestamp": "2026-01-01T00:00:00Z"}');
    expect(same.attributes).not.toHaveProperty("event_type");
    expect(same.attributes).not.toHaveProperty("event");
  });

  it("keeps a record's own 'legacy' or 'scrubbed' key under another name", () => {
    const event = upcastLine('{"event_type": "t", "timestamp": "2026-01-01T00:00:00Z", "legacy": 1, "scrubbed": true}');
    expect(event.attributes).toMatchObject({ record_legacy: 1, record_scrubbed: true, legacy: { format: "unknown" } });
  });
});

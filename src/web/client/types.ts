/** The shapes of the API answers the explorer reads (docs: /docs, /openapi.json). */
export interface EventRow {
  id: string;
  received_at: string;
  source: string;
  type?: string;
  model?: string | null;
  outcome?: string | null;
  value: number | null;
  confidence: number | null;
  high_value: boolean | null;
  first_user?: string | null;
  has_feedback?: boolean;
  session_id?: string | null;
  snippet?: string | null;
}

export interface ToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}

export interface Message {
  role: string;
  content?: string | { type: string; text?: string }[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

export interface StoredEvent {
  id: string;
  status?: string;
  received_at?: string;
  event: Record<string, unknown> & { messages?: Message[]; tools?: unknown[]; session_id?: string; feedback?: unknown };
  [key: string]: unknown;
}

export interface Score {
  value: number | null;
  confidence: number;
  components: Record<string, number | null>;
  weight_values: Record<string, number>;
  contributions: Record<string, number | null>;
  weights: { profile: string; version: number };
  high_value: boolean;
  non_answer: boolean;
  quality_hits: { rule: string; score: number; detail: string }[];
  quality_source: string;
  judge_reason?: string;
  reason: string;
  scored_at: string;
}

export const COMPONENTS = ["outcome", "feedback", "reusability", "complexity", "novelty", "quality"] as const;

/** GET /v1/events/{id}/lineage: what one event fed. */
export interface EventLineage {
  feedback: { rating: number; comment: string | null; outcome: string | null; correction: unknown; received_at: string }[];
  patterns: { id: string; problem: string | null; support: number; quality: number | null }[];
  examples: { dataset: string; content_hash: string; kind: string; split: string; removed_at: string | null }[];
}

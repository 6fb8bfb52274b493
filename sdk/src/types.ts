/** How an interaction ended. */
export type Outcome = "success" | "partial" | "failure" | "unknown";

/** A user's rating: -1, 0 or 1. Absent or null means unknown, never a number. */
export type Rating = -1 | 0 | 1;

/** One content part of a message (`{ type: "text", text }`, `{ type: "image_url", image_url: { url } }`, …): references, not bytes. */
export interface ContentPart {
  [key: string]: unknown;
  type: string;
}

/** A tool call an assistant message makes; `arguments` is the JSON text the model wrote. */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** One message of a conversation, in OpenAI's chat shape. */
export interface Message {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content?: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

/** A function the model was offered. */
export interface Tool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

/**
 * An event of schema v2, as `POST /v1/events` takes it. The server validates
 * strictly: unknown top-level fields are rejected, custom data goes in `attributes`.
 */
export interface GleanerEvent {
  /** The idempotency key within a project: the same id sent twice is stored once. */
  id: string;
  type: string;
  source: string;
  /** ISO 8601 string or Unix epoch number; kept as given. */
  timestamp: string | number;
  schema_version?: 1 | 2;
  session_id?: string;
  interaction_id?: string;
  query?: string;
  response?: string;
  outcome?: Outcome;
  feedback?: Rating | null;
  latency_ms?: number;
  model?: string;
  tokens_in?: number;
  tokens_out?: number;
  tags?: string[];
  attributes?: Record<string, unknown>;
  /** The whole conversation, in order; `query`/`response` default to its last user and assistant text. */
  messages?: Message[];
  /** The tools the model was offered. */
  tools?: Tool[];
  /** Link the steps of one agent run. */
  trace_id?: string;
  span_id?: string;
  parent_id?: string;
}

/**
 * What `track()` takes: an event whose `id` (a random UUID), `timestamp` (now)
 * and `source` (the client's) may be left out.
 */
export type TrackEvent = Omit<GleanerEvent, "id" | "timestamp" | "source"> & {
  id?: string;
  timestamp?: string | number;
  source?: string;
};

/** One problem with one event, as the server reports it. */
export interface FieldError {
  /** Dotted path of the field, e.g. `outcome` or `tags.3`; empty for the whole event. */
  path: string;
  message: string;
}

/** The server's verdict on one event. Only a verdict removes an event from the buffer. */
export type EventVerdict = { id: string; status: "accepted" | "duplicate" } | { id: string; status: "rejected"; errors: FieldError[] };

/** What the server decided about the events since the previous `flush()`. */
export interface FlushReport {
  /** Ids stored now. */
  accepted: string[];
  /** Ids the server already had (a resend after a retry or a restart): stored once, safe. */
  duplicates: string[];
  /** Events the server refused, with the field and the reason; they are not retried. */
  rejected: Array<{ id: string; errors: FieldError[] }>;
  /**
   * Verdicts left out because more than `maxReportedVerdicts` came in between two
   * flushes (the oldest go first); `onResults` saw every one of them.
   */
  omitted: number;
}

/** What the buffer holds right now. */
export interface BufferStats {
  /** Events in memory, waiting or being sent. */
  inMemory: number;
  /** Their JSON size in bytes. */
  inMemoryBytes: number;
  /** Events only in the journal file (spilled, or left by an earlier run), not yet read back. */
  spilled: number;
}

/** `POST /v1/feedback`: a rating for an event or for a whole interaction (exactly one of the two ids). */
export type FeedbackInput = {
  /** Makes the feedback idempotent; by default the server derives it from the content. */
  id?: string;
  rating: Rating;
  comment?: string;
  outcome?: Outcome;
} & ({ event_id: string; interaction_id?: never } | { interaction_id: string; event_id?: never });

/** The server's answer to a feedback. */
export interface FeedbackAnswer {
  id: string;
  status: "accepted" | "duplicate";
  [field: string]: unknown;
}

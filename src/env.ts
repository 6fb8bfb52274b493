import type { ExtractMessage, TelemetryMessage } from "./domain/queue-messages";

/** Bindings declared in wrangler.toml, plus secrets from .dev.vars / wrangler secret. */
export interface Env {
  DB: D1Database;
  TELEMETRY_QUEUE: Queue<TelemetryMessage>;
  EXTRACT_QUEUE: Queue<ExtractMessage>;
  /** Archives of expired raw events (R2; a folder in the data dir under `npm start`). */
  ARCHIVE: R2Bucket;
  /**
   * Workers Rate Limiting bindings ([[ratelimits]] in wrangler.toml), one per
   * route class (src/routes/rate-limit.ts). Optional: a deploy without one
   * leaves that class unlimited.
   */
  INGEST_RATE_LIMITER?: RateLimit;
  SEARCH_RATE_LIMITER?: RateLimit;
  READ_RATE_LIMITER?: RateLimit;
  ADMIN_RATE_LIMITER?: RateLimit;
  /** Secret: the admin token. Unset means admin routes answer 503. */
  GLEANER_ADMIN_TOKEN?: string;
  MAX_BODY_BYTES?: string;
  MAX_EVENTS_PER_REQUEST?: string;
  MAX_EVENT_BYTES?: string;
  RELAY_AFTER_SECONDS?: string;
  RELAY_MAX_BATCHES?: string;
  HIGH_VALUE_MIN_VALUE?: string;
  PATTERN_MERGE_THRESHOLD?: string;
  HIGH_VALUE_MIN_CONFIDENCE?: string;
  SIMILARITY_WINDOW?: string;
  SCORING_PAGE_SIZE?: string;
  SCORING_MAX_PAGES?: string;
  FEEDBACK_SETTLE_SECONDS?: string;
  BACKPRESSURE_MAX_BACKLOG_EVENTS?: string;
  BACKPRESSURE_MAX_LAG_SECONDS?: string;
  BACKPRESSURE_RETRY_AFTER_SECONDS?: string;
  BACKPRESSURE_CACHE_MS?: string;
  DB_SIZE_CAP_BYTES?: string;
  OUTBOUND_TIMEOUT_MS?: string;
  BREAKER_FAILURES?: string;
  BREAKER_HALF_OPEN_SECONDS?: string;
  PATTERNS_PAGE_SIZE?: string;
  REDACT_EMAILS?: string;
  RETENTION_RAW_EVENTS_DAYS?: string;
  RETENTION_PROCESSED_DAYS?: string;
  RETENTION_DEAD_LETTERS_DAYS?: string;
  RETENTION_ARCHIVES_DAYS?: string;
  LIFECYCLE_ARCHIVE_BATCH?: string;
  LIFECYCLE_MAX_PAGES?: string;
  REDACTION_DISABLED?: string;
  /** Optional OpenAI-compatible embeddings server (base URL); unset = built-in hashing embedder. */
  EMBEDDINGS_URL?: string;
  /** Embeddings model name sent to EMBEDDINGS_URL, and its vector dimension (names the collection). */
  EMBEDDINGS_MODEL?: string;
  EMBEDDINGS_DIMENSION?: string;
  /** Secret, optional: bearer key for EMBEDDINGS_URL and LLM_URL. */
  AI_API_KEY?: string;
  /** Optional OpenAI-compatible chat-completions server (base URL); unset = heuristic extractor. */
  LLM_URL?: string;
  LLM_MODEL?: string;
  /** Optional LLM judge of answer quality (docs/answer-quality.md): a /v1/chat/completions server (base URL) and model; unset = heuristic only, or LLM_URL when JUDGE_ENABLED=true. */
  JUDGE_URL?: string;
  JUDGE_MODEL?: string;
  JUDGE_ENABLED?: string;
  /** Optional Qdrant (base URL); unset = the embedded vector store in D1. */
  QDRANT_URL?: string;
  /** Secret, optional: Qdrant API key. */
  QDRANT_API_KEY?: string;
  /** Feature flag overrides: `name=on|off|<percent>`, comma-separated (see src/flags.ts). */
  FLAGS?: string;
  /** Allowlisted proxy upstreams: `name=base-url[|SECRET_NAME]`, comma-separated. */
  PROXY_UPSTREAMS?: string;
  /** Secret, optional: when set, /metrics requires `Authorization: Bearer <it>`. */
  METRICS_TOKEN?: string;
}

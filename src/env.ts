import type { TelemetryMessage } from "./domain/queue-messages";

/** Bindings declared in wrangler.toml, plus secrets from .dev.vars / wrangler secret. */
export interface Env {
  DB: D1Database;
  TELEMETRY_QUEUE: Queue<TelemetryMessage>;
  /** Secret: the admin token. Unset means admin routes answer 503. */
  GLEANER_ADMIN_TOKEN?: string;
  MAX_BODY_BYTES?: string;
  MAX_EVENTS_PER_REQUEST?: string;
  MAX_EVENT_BYTES?: string;
  RELAY_AFTER_SECONDS?: string;
  RELAY_MAX_BATCHES?: string;
  HIGH_VALUE_MIN_VALUE?: string;
  HIGH_VALUE_MIN_CONFIDENCE?: string;
  SIMILARITY_WINDOW?: string;
  SCORING_PAGE_SIZE?: string;
  SCORING_MAX_PAGES?: string;
  FEEDBACK_SETTLE_SECONDS?: string;
}

/**
 * Queue names as in wrangler.toml: what the queue dispatcher switches on and
 * what a dead letter records as its origin. Here, not in src/queues, so a use
 * case (dead-letter replay) can name a queue without importing a consumer.
 */
export const QUEUES = {
  telemetry: "gleaner-telemetry",
  telemetryDeadLetters: "gleaner-telemetry-dlq",
  extract: "gleaner-extract",
  extractDeadLetters: "gleaner-extract-dlq",
} as const;

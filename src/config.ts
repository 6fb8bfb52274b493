import { z } from "zod";

/**
 * Every limit and default in one place; README's tables quote these values.
 * Each can be overridden by the wrangler var of the same name.
 */
export const DEFAULTS = {
  /** Largest request body accepted; larger gets 413 before parsing. */
  MAX_BODY_BYTES: 5 * 1024 * 1024,
  /** Largest body of every other route that reads one (feedback, search, datasets, admin); larger gets 413 before parsing. */
  MAX_CONTROL_BODY_BYTES: 256 * 1024,
  /** Most events in one request. */
  MAX_EVENTS_PER_REQUEST: 1000,
  /** Largest single event (its JSON, UTF-8). */
  MAX_EVENT_BYTES: 64 * 1024,
  /** A chunk not finished this long after it was (re-)enqueued is relayed again. */
  RELAY_AFTER_SECONDS: 60,
  /** Most chunks one relay run re-enqueues. */
  RELAY_MAX_BATCHES: 1000,
  /** A scored event is high value at or above this value… */
  HIGH_VALUE_MIN_VALUE: 0.7,
  /** …and with at least this confidence (share of the weight that was known). */
  HIGH_VALUE_MIN_CONFIDENCE: 0.5,
  /** Reusability and novelty compare against this many newest interactions of the project. */
  SIMILARITY_WINDOW: 2000,
  /** Events one scoring-cron page re-scores (one vector search call per page at most). */
  SCORING_PAGE_SIZE: 200,
  /** Pages one scoring-cron run handles before it stops (the cursor resumes next run). */
  SCORING_MAX_PAGES: 20,
  /** Feedback younger than this waits for the next scoring run, so an ingest scoring in flight commits first. */
  FEEDBACK_SETTLE_SECONDS: 10,
  /** Ingest answers 429 while more accepted events than this wait to be processed… */
  BACKPRESSURE_MAX_BACKLOG_EVENTS: 100_000,
  /** …or while the oldest of them has waited longer than this. */
  BACKPRESSURE_MAX_LAG_SECONDS: 300,
  /** Retry-After sent with a 429. */
  BACKPRESSURE_RETRY_AFTER_SECONDS: 30,
  /** How long ingest reuses one backlog reading: the backlog can overshoot its budget by what arrives meanwhile. */
  BACKPRESSURE_CACHE_MS: 500,
  /** Every outbound call (LLM, embeddings, Qdrant) is abandoned after this long. */
  OUTBOUND_TIMEOUT_MS: 10_000,
  /** Consecutive failures that open a dependency's circuit breaker. */
  BREAKER_FAILURES: 5,
  /** Seconds an open breaker waits before one half-open probe. */
  BREAKER_HALF_OPEN_SECONDS: 30,
  /** Patterns one `patterns` cron run re-extracts or re-embeds per page. */
  PATTERNS_PAGE_SIZE: 50,
  /** A new high-value interaction merges into a pattern of its project at or above this cosine similarity (docs/patterns.md). */
  PATTERN_MERGE_THRESHOLD: 0.9,
  /** Judge answers with the LLM at LLM_URL when JUDGE_URL is unset ("true"/"false"; JUDGE_URL set turns the judge on by itself). */
  JUDGE_ENABLED: false,
  /** Also scrub e-mail addresses from stored text ("true"/"false"). */
  REDACT_EMAILS: false,
  /** Comma-separated redaction kinds to turn off (e.g. "password"); empty keeps every rule. */
  REDACTION_DISABLED: "",
  /** Retention defaults (days) for projects without their own policy: raw events are archived to R2, then deleted… */
  RETENTION_RAW_EVENTS_DAYS: 30,
  /** …scores, extractions, feedback and interaction vectors… */
  RETENTION_PROCESSED_DAYS: 90,
  /** …dead letters… */
  RETENTION_DEAD_LETTERS_DAYS: 30,
  /** …and the archives themselves. */
  RETENTION_ARCHIVES_DAYS: 365,
  /** …and the audit log of admin actions and dataset curation. */
  RETENTION_AUDIT_DAYS: 365,
  /** Events per archive object (one gzip NDJSON file and its manifest). */
  LIFECYCLE_ARCHIVE_BATCH: 500,
  /** Archive objects (or delete pages) one lifecycle run handles per kind before it stops. */
  LIFECYCLE_MAX_PAGES: 20,
  /** /readyz reports degraded past 80 % of this D1 size and failing past it. */
  DB_SIZE_CAP_BYTES: 2 * 1024 ** 3,
} as const;

/**
 * Chunking of one request into queue messages. One message per chunk, not per
 * event: the local queue broker fails past ~10k pending messages. The byte cap
 * keeps the single JSON parameter of the inbox insert far below D1's 2 MB
 * value limit.
 */
export const CHUNK_MAX_EVENTS = 500;
export const CHUNK_MAX_BYTES = 1024 * 1024;

const positiveInt = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .transform((v) => v ?? fallback);

const nonNegative = (fallback: number) =>
  z.coerce
    .number()
    .min(0)
    .optional()
    .transform((v) => v ?? fallback);

const unitInterval = (fallback: number) =>
  z.coerce
    .number()
    .min(0)
    .max(1)
    .optional()
    .transform((v) => v ?? fallback);

const configSchema = z.object({
  MAX_BODY_BYTES: positiveInt(DEFAULTS.MAX_BODY_BYTES),
  MAX_CONTROL_BODY_BYTES: positiveInt(DEFAULTS.MAX_CONTROL_BODY_BYTES),
  MAX_EVENTS_PER_REQUEST: positiveInt(DEFAULTS.MAX_EVENTS_PER_REQUEST),
  MAX_EVENT_BYTES: positiveInt(DEFAULTS.MAX_EVENT_BYTES),
  RELAY_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .transform((v) => v ?? DEFAULTS.RELAY_AFTER_SECONDS),
  RELAY_MAX_BATCHES: positiveInt(DEFAULTS.RELAY_MAX_BATCHES),
  HIGH_VALUE_MIN_VALUE: unitInterval(DEFAULTS.HIGH_VALUE_MIN_VALUE),
  HIGH_VALUE_MIN_CONFIDENCE: unitInterval(DEFAULTS.HIGH_VALUE_MIN_CONFIDENCE),
  SIMILARITY_WINDOW: positiveInt(DEFAULTS.SIMILARITY_WINDOW),
  SCORING_PAGE_SIZE: positiveInt(DEFAULTS.SCORING_PAGE_SIZE),
  SCORING_MAX_PAGES: positiveInt(DEFAULTS.SCORING_MAX_PAGES),
  FEEDBACK_SETTLE_SECONDS: nonNegative(DEFAULTS.FEEDBACK_SETTLE_SECONDS),
  BACKPRESSURE_MAX_BACKLOG_EVENTS: positiveInt(DEFAULTS.BACKPRESSURE_MAX_BACKLOG_EVENTS),
  BACKPRESSURE_MAX_LAG_SECONDS: positiveInt(DEFAULTS.BACKPRESSURE_MAX_LAG_SECONDS),
  BACKPRESSURE_RETRY_AFTER_SECONDS: positiveInt(DEFAULTS.BACKPRESSURE_RETRY_AFTER_SECONDS),
  BACKPRESSURE_CACHE_MS: nonNegative(DEFAULTS.BACKPRESSURE_CACHE_MS),
  DB_SIZE_CAP_BYTES: positiveInt(DEFAULTS.DB_SIZE_CAP_BYTES),
  OUTBOUND_TIMEOUT_MS: positiveInt(DEFAULTS.OUTBOUND_TIMEOUT_MS),
  BREAKER_FAILURES: positiveInt(DEFAULTS.BREAKER_FAILURES),
  BREAKER_HALF_OPEN_SECONDS: nonNegative(DEFAULTS.BREAKER_HALF_OPEN_SECONDS),
  PATTERNS_PAGE_SIZE: positiveInt(DEFAULTS.PATTERNS_PAGE_SIZE),
  PATTERN_MERGE_THRESHOLD: unitInterval(DEFAULTS.PATTERN_MERGE_THRESHOLD),
  RETENTION_RAW_EVENTS_DAYS: positiveInt(DEFAULTS.RETENTION_RAW_EVENTS_DAYS),
  RETENTION_PROCESSED_DAYS: positiveInt(DEFAULTS.RETENTION_PROCESSED_DAYS),
  RETENTION_DEAD_LETTERS_DAYS: positiveInt(DEFAULTS.RETENTION_DEAD_LETTERS_DAYS),
  RETENTION_ARCHIVES_DAYS: positiveInt(DEFAULTS.RETENTION_ARCHIVES_DAYS),
  RETENTION_AUDIT_DAYS: positiveInt(DEFAULTS.RETENTION_AUDIT_DAYS),
  LIFECYCLE_ARCHIVE_BATCH: positiveInt(DEFAULTS.LIFECYCLE_ARCHIVE_BATCH),
  LIFECYCLE_MAX_PAGES: positiveInt(DEFAULTS.LIFECYCLE_MAX_PAGES),
  JUDGE_ENABLED: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => (v === undefined ? DEFAULTS.JUDGE_ENABLED : v === "true")),
  REDACT_EMAILS: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => (v === undefined ? DEFAULTS.REDACT_EMAILS : v === "true")),
  REDACTION_DISABLED: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? DEFAULTS.REDACTION_DISABLED)
        .split(",")
        .map((k) => k.trim())
        .filter(Boolean),
    ),
});

export type Config = z.infer<typeof configSchema>;

/** The name of every configuration var: one per DEFAULTS entry. */
const VAR_NAMES = configSchema.keyof().options;

/** The configuration vars as the worker gets them (wrangler.toml `[vars]`, .dev.vars): text, or unset. An Env is one. */
export type ConfigVars = { readonly [Name in (typeof VAR_NAMES)[number]]?: string };

/** Parsed configurations by the text of their vars: the vars are the same on every request of a deployment. */
const parsedConfigs = new Map<string, Config>();
const MAX_PARSED_CONFIGS = 16;

/**
 * Parses the configuration vars; a bad value fails loudly naming the variable.
 * The same vars give the same (frozen) object without parsing again: ingest
 * reads the configuration on every request.
 */
export function readConfig(env: ConfigVars): Config {
  let key = "";
  for (const name of VAR_NAMES) {
    const v = env[name];
    // A value that is not text is keyed with its type: the schema may treat it otherwise than its text.
    key += typeof v === "string" ? `${v}\u0000` : `\u0001${typeof v}:${String(v)}\u0000`;
  }
  let config = parsedConfigs.get(key);
  if (config === undefined) {
    config = parseConfig(env);
    Object.freeze(config.REDACTION_DISABLED);
    Object.freeze(config);
    if (parsedConfigs.size >= MAX_PARSED_CONFIGS) parsedConfigs.clear();
    parsedConfigs.set(key, config);
  }
  return config;
}

function parseConfig(env: ConfigVars): Config {
  const raw = Object.fromEntries(VAR_NAMES.map((name) => [name, env[name] === "" ? undefined : env[name]]));
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid configuration ${String(issue?.path[0])}: ${issue?.message}`);
  }
  return parsed.data;
}

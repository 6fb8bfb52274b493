import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The inbox: every accepted event, committed before ingest answers 2xx.
 * `seq` is the monotonic server sequence; order by it, never by client time.
 */
export const events = sqliteTable(
  "events",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    project: text("project").notNull(),
    eventId: text("event_id").notNull(),
    batchId: text("batch_id").notNull(),
    schemaVersion: integer("schema_version").notNull(),
    type: text("type").notNull(),
    source: text("source").notNull(),
    clientTimestamp: text("client_timestamp").notNull(),
    clientTimeMs: integer("client_time_ms").notNull(),
    interactionId: text("interaction_id"),
    receivedAt: integer("received_at").notNull(),
    status: text("status", { enum: ["received", "processed"] })
      .notNull()
      .default("received"),
    processedAt: integer("processed_at"),
    payload: text("payload").notNull(),
  },
  (t) => [
    uniqueIndex("events_project_event_id").on(t.project, t.eventId),
    index("events_batch").on(t.batchId),
    index("events_project_interaction").on(t.project, t.interactionId),
    // GET /v1/sessions/{id} pages a session in server order; the expression must match src/adapters/session-store.ts.
    index("events_project_session").on(t.project, sql`(payload ->> '$.session_id')`, t.seq),
  ],
);

/**
 * One row per ingest chunk: the unit a queue message refers to. A chunk whose
 * `done_at` stays null past the relay delay is re-enqueued by the relay cron,
 * because local queues live in memory and lose messages on restart.
 */
export const ingestBatches = sqliteTable(
  "ingest_batches",
  {
    batchId: text("batch_id").primaryKey(),
    project: text("project").notNull(),
    eventCount: integer("event_count").notNull(),
    createdAt: integer("created_at").notNull(),
    enqueuedAt: integer("enqueued_at").notNull(),
    relayCount: integer("relay_count").notNull().default(0),
    doneAt: integer("done_at"),
  },
  (t) => [
    index("ingest_batches_pending").on(t.enqueuedAt).where(sql`done_at IS NULL`),
    // The relay's "how far has the queue got" (latest enqueue among chunks finished since the delay).
    index("ingest_batches_done")
      .on(t.doneAt)
      .where(sql`done_at IS NOT NULL`),
  ],
);

/** Project API keys; only a SHA-256 of the key is stored. */
export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  project: text("project").notNull(),
  keyHash: text("key_hash").notNull(),
  createdAt: integer("created_at").notNull(),
  revokedAt: integer("revoked_at"),
});

/** Messages no consumer could process, parked with the reason (never dropped). */
export const deadLetters = sqliteTable("dead_letters", {
  id: text("id").primaryKey(),
  queue: text("queue").notNull(),
  body: text("body").notNull(),
  reason: text("reason").notNull(),
  attempts: integer("attempts").notNull(),
  createdAt: integer("created_at").notNull(),
  replayedAt: integer("replayed_at"),
});

/** Monotonic counters kept in D1 (isolate memory does not survive). */
export const counters = sqliteTable(
  "counters",
  {
    name: text("name").notNull(),
    labels: text("labels").notNull().default(""),
    value: integer("value").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.name, t.labels] })],
);

/**
 * The embedded vector store: exact search over vectors kept in D1. A
 * collection is named by what it holds, the embedding model and the dimension,
 * so two vector spaces never mix.
 */
export const vectors = sqliteTable(
  "vectors",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    collection: text("collection").notNull(),
    pointId: text("point_id").notNull(),
    project: text("project").notNull(),
    vector: text("vector").notNull(),
    payload: text("payload").notNull(),
    /** The (collection, project)'s `vector_heads.rev` when the store last wrote this row (0: written by something else). */
    rev: integer("rev").notNull().default(0),
  },
  (t) => [
    uniqueIndex("vectors_point").on(t.collection, t.pointId),
    index("vectors_scan").on(t.collection, t.project, t.seq),
    index("vectors_rev").on(t.collection, t.project, t.rev),
  ],
);

/** Weight profiles; a change is a new version, old versions stay for the scores that used them. */
export const weightProfiles = sqliteTable(
  "weight_profiles",
  {
    name: text("name").notNull(),
    version: integer("version").notNull(),
    weights: text("weights").notNull(),
    note: text("note"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.version] })],
);

/** Ordered rules that choose a profile by event type, source or tag. */
export const profileRules = sqliteTable("profile_rules", {
  position: integer("position").primaryKey(),
  profile: text("profile").notNull(),
  matchType: text("match_type"),
  matchSource: text("match_source"),
  matchTag: text("match_tag"),
});

/** One score per event and profile version: re-scoring with a new version adds a row, the old one stays. */
export const eventScores = sqliteTable(
  "event_scores",
  {
    project: text("project").notNull(),
    eventId: text("event_id").notNull(),
    profile: text("profile").notNull(),
    profileVersion: integer("profile_version").notNull(),
    value: real("value"),
    confidence: real("confidence").notNull(),
    components: text("components").notNull(),
    highValue: integer("high_value").notNull(),
    reason: text("reason").notNull(),
    scoredAt: integer("scored_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.project, t.eventId, t.profile, t.profileVersion] }),
    index("event_scores_latest").on(t.project, t.eventId, t.scoredAt),
    // The history job's per-minute read of the scores written since its last run.
    index("event_scores_scored_at").on(t.scoredAt),
  ],
);

/** Feedback, kept even when its event has not arrived yet; `seq` orders it for the re-scoring cursor. */
export const feedback = sqliteTable(
  "feedback",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    project: text("project").notNull(),
    feedbackId: text("feedback_id").notNull(),
    eventId: text("event_id"),
    interactionId: text("interaction_id"),
    rating: integer("rating").notNull(),
    comment: text("comment"),
    outcome: text("outcome"),
    /** The better answer the rater gave (JSON: a string or an assistant message), redacted; pairs with the rated answer. */
    correction: text("correction"),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    uniqueIndex("feedback_id").on(t.project, t.feedbackId),
    index("feedback_event").on(t.project, t.eventId),
    index("feedback_interaction").on(t.project, t.interactionId),
  ],
);

/** Cursors of resumable batch jobs (name → position), committed with the work they cover. */
export const jobCursors = sqliteTable("job_cursors", {
  name: text("name").primaryKey(),
  position: integer("position").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Similarity results by query-text hash, so the same text is never searched twice. */
export const similarityCache = sqliteTable(
  "similarity_cache",
  {
    collection: text("collection").notNull(),
    project: text("project").notNull(),
    textHash: text("text_hash").notNull(),
    neighbours: text("neighbours").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.collection, t.project, t.textHash] })],
);

/** Last run of each cron job: what readiness, alerts and the dashboard report. */
export const jobRuns = sqliteTable("job_runs", {
  name: text("name").primaryKey(),
  lastStartedAt: integer("last_started_at"),
  lastSuccessAt: integer("last_success_at"),
  lastError: text("last_error"),
  lastResult: text("last_result"),
  runs: integer("runs").notNull().default(0),
  failures: integer("failures").notNull().default(0),
});

/** Histograms kept in D1: one row per bucket (`le`), plus `sum` and `count`. */
export const histograms = sqliteTable(
  "histograms",
  {
    name: text("name").notNull(),
    labels: text("labels").notNull().default(""),
    bucket: text("bucket").notNull(),
    value: real("value").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.name, t.labels, t.bucket] })],
);

/**
 * Every admin action and dataset curation: who (`admin` or `key:<id>`), what
 * (a dotted action), on what (`subject`, answered as `target`) and when.
 * `actor` defaults to `admin` because rows written before it existed, and the
 * dead-letter store's, are all admin actions. `details` is a small JSON object
 * and never holds a secret; `reason` is the why an admin gave (purges).
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    actor: text("actor").notNull().default("admin"),
    action: text("action").notNull(),
    subject: text("subject").notNull(),
    project: text("project"),
    details: text("details"),
    reason: text("reason"),
  },
  (t) => [index("audit_log_at").on(t.at)],
);

/** Circuit breaker state per outside dependency (the failure count as JSON; opened_at is when it last opened); isolates do not keep it. */
export const breakers = sqliteTable("breakers", {
  dependency: text("dependency").primaryKey(),
  state: text("state", { enum: ["closed", "open", "half_open"] }).notNull(),
  serialized: text("serialized").notNull(),
  openedAt: integer("opened_at"),
  lastFailure: text("last_failure"),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * The extraction outbox: a high-value event waiting to become a pattern.
 * Written with its score; the extract consumer finishes it, the relay re-sends it.
 */
export const extractions = sqliteTable(
  "extractions",
  {
    project: text("project").notNull(),
    eventId: text("event_id").notNull(),
    status: text("status", { enum: ["pending", "done"] })
      .notNull()
      .default("pending"),
    patternId: text("pattern_id"),
    enqueuedAt: integer("enqueued_at").notNull(),
    attempts: integer("attempts").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.project, t.eventId] }),
    index("extractions_pending").on(t.enqueuedAt).where(sql`status = 'pending'`),
    // The extract relay's "how far has the queue got" (latest enqueue among extractions finished since the delay).
    index("extractions_done")
      .on(t.updatedAt)
      .where(sql`status = 'done'`),
  ],
);

/** Reusable patterns distilled from high-value interactions; near duplicates merge into one (docs/patterns.md). */
export const patterns = sqliteTable(
  "patterns",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    project: text("project").notNull(),
    patternId: text("pattern_id").notNull(),
    schemaVersion: integer("schema_version").notNull(),
    pattern: text("pattern").notNull(),
    extractor: text("extractor").notNull(),
    needsReextract: integer("needs_reextract").notNull().default(0),
    value: real("value"),
    source: text("source").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** Consolidation (docs/patterns.md): distinct source events, their mean value, their earliest and latest event times (ms). */
    support: integer("support").notNull().default(1),
    quality: real("quality"),
    firstSeen: integer("first_seen"),
    lastSeen: integer("last_seen"),
    /** The source whose problem, approach and lesson the pattern carries. */
    exemplarEventId: text("exemplar_event_id"),
    /** The text the pattern's vector embeds (its exemplar's heuristic search text); null: the pattern's own search text. */
    searchText: text("search_text"),
  },
  (t) => [
    uniqueIndex("patterns_id").on(t.project, t.patternId),
    index("patterns_reextract").on(t.needsReextract),
    // GET /v1/patterns: one index per sort, keyset-paged by (sort key, seq).
    index("patterns_by_support").on(t.project, t.support, t.seq),
    index("patterns_by_quality").on(t.project, t.quality, t.seq),
    index("patterns_by_last_seen").on(t.project, t.lastSeen, t.seq),
  ],
);

/**
 * Vector collections by content kind. Exactly one is `active` per kind (reads
 * go there); a model change adds a `filling` one that the re-embed job fills
 * before it becomes active and the old one `retired` (never written again).
 */
export const vectorCollections = sqliteTable(
  "vector_collections",
  {
    name: text("name").primaryKey(),
    kind: text("kind").notNull(),
    model: text("model").notNull(),
    dimension: integer("dimension").notNull(),
    status: text("status", { enum: ["active", "filling", "retired"] }).notNull(),
    cursor: integer("cursor").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("vector_collections_kind").on(t.kind, t.status)],
);

/** Which events a pattern was distilled from (its provenance). */
export const patternSources = sqliteTable(
  "pattern_sources",
  {
    project: text("project").notNull(),
    patternId: text("pattern_id").notNull(),
    eventId: text("event_id").notNull(),
    addedAt: integer("added_at").notNull(),
    /** The event's score value when it was merged, and its event time (ms): the pattern's quality, exemplar and first/last seen. */
    value: real("value"),
    eventTime: integer("event_time"),
  },
  // An event's pattern by (project, event_id), covering pattern_id: without it SQLite preferred walking the primary key
  // over every source of the project (covering, one equality) to find one event's row. A pattern's sources in time
  // order: its first listed sources and first/last seen without sorting all of them (migration 0017), covering value
  // too, so recomputing a pattern's aggregates reads its index range and no table row per source (migration 0018).
  (t) => [
    primaryKey({ columns: [t.project, t.patternId, t.eventId] }),
    index("pattern_sources_by_event").on(t.project, t.eventId, t.patternId),
    index("pattern_sources_by_time").on(t.project, t.patternId, t.eventTime, t.eventId, t.value),
  ],
);

/** Named fine-tuning datasets of a project, the rules that build them, and the version readers get as current. */
export const datasets = sqliteTable(
  "datasets",
  {
    project: text("project").notNull(),
    name: text("name").notNull(),
    rules: text("rules").notNull(),
    currentVersion: integer("current_version"),
    cursor: integer("cursor").notNull().default(0),
    /** Candidates left out because their text was hashed or redacted (rule `redacted: "exclude"`). */
    excludedRedacted: integer("excluded_redacted").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.project, t.name] })],
);

/** Examples: immutable JSONL lines, exact duplicates refused by their content hash. */
export const datasetExamples = sqliteTable(
  "dataset_examples",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    project: text("project").notNull(),
    dataset: text("dataset").notNull(),
    contentHash: text("content_hash").notNull(),
    eventId: text("event_id").notNull(),
    line: text("line").notNull(),
    bytes: integer("bytes").notNull(),
    addedAt: integer("added_at").notNull(),
    /** Curated out: kept for the snapshots that hold it, left out of new ones. */
    removedAt: integer("removed_at"),
    /** `chat` (a conversation) or `pair` (a preference pair). */
    kind: text("kind").notNull().default("chat"),
    /** `train` or `validation`, fixed when the example is added (by its hash), so it never moves between snapshots. */
    split: text("split").notNull().default("train"),
    source: text("source"),
    model: text("model"),
    value: real("value"),
    firstUser: text("first_user"),
    /** JSON array of the events the example was made of. */
    sourceEventIds: text("source_event_ids"),
    /** The session of a `unit: "session"` example: a longer one supersedes it. */
    sessionId: text("session_id"),
  },
  (t) => [uniqueIndex("dataset_examples_hash").on(t.project, t.dataset, t.contentHash), index("dataset_examples_list").on(t.project, t.dataset, t.seq)],
);

/** Frozen, numbered versions of a dataset. */
export const datasetSnapshots = sqliteTable(
  "dataset_snapshots",
  {
    project: text("project").notNull(),
    dataset: text("dataset").notNull(),
    version: integer("version").notNull(),
    examples: integer("examples").notNull(),
    bytes: integer("bytes").notNull(),
    sha256: text("sha256").notNull(),
    rules: text("rules").notNull(),
    /** JSON: examples and pairs per split, and the redacted candidates left out. */
    counts: text("counts"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.project, t.dataset, t.version] })],
);

/** Which examples a snapshot holds (ids only: example lines are stored once and never change). */
export const snapshotMembers = sqliteTable(
  "snapshot_members",
  {
    project: text("project").notNull(),
    dataset: text("dataset").notNull(),
    version: integer("version").notNull(),
    exampleSeq: integer("example_seq").notNull(),
  },
  (t) => [primaryKey({ columns: [t.project, t.dataset, t.version, t.exampleSeq] })],
);

/** Retention per project (days); a project without a row uses the defaults in src/config.ts. */
export const retentionPolicies = sqliteTable("retention_policies", {
  project: text("project").primaryKey(),
  rawEventsDays: integer("raw_events_days").notNull(),
  processedDays: integer("processed_days").notNull(),
  deadLettersDays: integer("dead_letters_days").notNull(),
  archivesDays: integer("archives_days").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Archives written to R2 by the lifecycle job, with their manifest. */
export const archives = sqliteTable(
  "archives",
  {
    key: text("key").primaryKey(),
    project: text("project").notNull(),
    events: integer("events").notNull(),
    bytes: integer("bytes").notNull(),
    sha256: text("sha256").notNull(),
    firstSeq: integer("first_seq").notNull(),
    lastSeq: integer("last_seq").notNull(),
    fromTime: integer("from_time").notNull(),
    toTime: integer("to_time").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("archives_project").on(t.project, t.createdAt)],
);

/**
 * GenAI log records (semantic conventions 1.28–1.36: `gen_ai.user.message`, `gen_ai.choice`, …)
 * waiting for, or joined to, their span's event (`<trace_id>:<span_id>`). Kept as validated and
 * redacted; `record_key` is a hash of the record, so a replayed export stores nothing twice.
 */
export const otlpLogRecords = sqliteTable(
  "otlp_log_records",
  {
    project: text("project").notNull(),
    recordKey: text("record_key").notNull(),
    traceId: text("trace_id").notNull(),
    spanId: text("span_id").notNull(),
    timeUnixNano: text("time_unix_nano").notNull(),
    position: integer("position").notNull(),
    name: text("name").notNull(),
    body: text("body").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.project, t.recordKey] }),
    index("otlp_log_records_span").on(t.project, t.traceId, t.spanId),
    index("otlp_log_records_received").on(t.receivedAt),
  ],
);

/**
 * Verdicts of the optional LLM judge of answer quality (docs/answer-quality.md), cached by
 * `content_hash` = sha256 of model + rubric + judged text: the same text is judged once.
 * Only well-formed verdicts are stored; a malformed answer leaves the heuristic's quality.
 */
export const judgeVerdicts = sqliteTable(
  "judge_verdicts",
  {
    project: text("project").notNull(),
    contentHash: text("content_hash").notNull(),
    model: text("model").notNull(),
    quality: real("quality").notNull(),
    nonAnswer: integer("non_answer").notNull(),
    reason: text("reason").notNull(),
    judgedAt: integer("judged_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.project, t.contentHash] })],
);

/**
 * The dashboard's server-side history (src/cron/history.ts), one row per minute, kept 48 h: the raw values of the
 * counters it charts (`counters`: JSON `name{labels}` → value; per-minute deltas are computed on read, so a re-run in
 * the same minute overwrites its row and never counts twice) and the gauges sampled then. The score figures cover
 * scores written since the previous row (`scores`: how many had a value, `mean_score` their mean).
 */
export const metricsMinutes = sqliteTable("metrics_minutes", {
  minute: integer("minute").primaryKey(),
  sampledAt: integer("sampled_at").notNull(),
  counters: text("counters").notNull(),
  backlogEvents: integer("backlog_events").notNull(),
  backlogChunks: integer("backlog_chunks").notNull(),
  lagSeconds: real("lag_seconds").notNull(),
  deadLetters: integer("dead_letters").notNull(),
  highValue: integer("high_value").notNull(),
  scores: integer("scores").notNull(),
  meanScore: real("mean_score"),
});

/**
 * Hourly rollups of `metrics_minutes`, kept 90 days: `series` is JSON series name → the hour's value (counters summed,
 * backlog and lag their maximum, dead letters the last sample, mean score weighted by `scores`). The history job
 * recomputes the current hour from its minute rows on every run.
 */
export const metricsHours = sqliteTable("metrics_hours", {
  hour: integer("hour").primaryKey(),
  samples: integer("samples").notNull(),
  scores: integer("scores").notNull(),
  series: text("series").notNull(),
});

/**
 * The embedded vector store's change sequence per (collection, project), read once per search to validate the decoded
 * vectors an isolate keeps (src/adapters/embedded-vector-store.ts, docs/vector-store.md). `rev` is bumped by every
 * upsert, which stamps its rows with it; `resets` by the triggers of migration 0015 on any other change (a delete, an
 * insert or update that did not come through the store), after which readers reload the window.
 */
export const vectorHeads = sqliteTable(
  "vector_heads",
  {
    collection: text("collection").notNull(),
    project: text("project").notNull(),
    rev: integer("rev").notNull().default(0),
    resets: integer("resets").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.collection, t.project] })],
);

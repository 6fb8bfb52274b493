import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
    status: text("status", { enum: ["received", "processed"] }).notNull().default("received"),
    processedAt: integer("processed_at"),
    payload: text("payload").notNull(),
  },
  (t) => [
    uniqueIndex("events_project_event_id").on(t.project, t.eventId),
    index("events_batch").on(t.batchId),
    index("events_project_interaction").on(t.project, t.interactionId),
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
  (t) => [index("ingest_batches_pending").on(t.enqueuedAt).where(sql`done_at IS NULL`)],
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

/** Counter names kept in D1; /metrics (and tests) read them. */
export type CounterName =
  | "events_received_total"
  | "events_processed_total"
  | "events_rejected_total"
  | "duplicates_total"
  | "dead_letters_total"
  | "relayed_batches_total"
  | "vector_queries_total"
  | "events_scored_total"
  | "feedback_received_total"
  | "errors_total"
  | "backpressure_rejections_total"
  | "dead_letters_replayed_total"
  | "dead_letters_purged_total"
  | "patterns_extracted_total"
  | "redactions_total"
  | "rate_limited_total"
  | "dataset_examples_added_total"
  | "archived_events_total"
  | "deleted_rows_total";

/** A statement adding `by` to a counter; put it in the same batch as the change it counts. */
export function incrementCounter(db: D1Database, name: CounterName, by: number, labels = ""): D1PreparedStatement {
  return db
    .prepare("INSERT INTO counters (name, labels, value) VALUES (?1, ?2, ?3) ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value")
    .bind(name, labels, by);
}

/** All counters as `name{labels}` → value. */
export async function readCounters(db: D1Database): Promise<Record<string, number>> {
  const { results } = await db.prepare("SELECT name, labels, value FROM counters").all<{
    name: string;
    labels: string;
    value: number;
  }>();
  return Object.fromEntries(results.map((r) => [r.labels ? `${r.name}{${r.labels}}` : r.name, r.value]));
}

/** Upper bounds (seconds) of the stage-duration buckets. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** Stages whose durations are observed; a fixed set, so label values stay bounded. */
export type Stage = "ingest" | "process" | "relay" | "scoring" | "extract" | "lifecycle" | "job";

/**
 * One statement recording one observation of `learning_stage_duration_seconds`:
 * +1 in every bucket at or above it, and into `sum` and `count`.
 */
export function observeStageDuration(db: D1Database, stage: Stage, seconds: number): D1PreparedStatement {
  const rows: [string, number][] = DURATION_BUCKETS.filter((le) => seconds <= le).map((le) => [String(le), 1]);
  rows.push(["+Inf", 1], ["sum", seconds], ["count", 1]);
  return db
    .prepare(
      `INSERT INTO histograms (name, labels, bucket, value)
       SELECT 'stage_duration_seconds', ?1, value ->> '$[0]', value ->> '$[1]' FROM json_each(?2) WHERE true
       ON CONFLICT (name, labels, bucket) DO UPDATE SET value = value + excluded.value`,
    )
    .bind(`stage="${stage}"`, JSON.stringify(rows));
}

export interface HistogramRow {
  name: string;
  labels: string;
  bucket: string;
  value: number;
}

export async function readHistograms(db: D1Database): Promise<HistogramRow[]> {
  return (await db.prepare("SELECT name, labels, bucket, value FROM histograms").all<HistogramRow>()).results;
}

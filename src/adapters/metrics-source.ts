import type { Config } from "../config";
import { labelValue, type MetricFamily, type Sample } from "../domain/prometheus";
import type { Env } from "../env";
import { DURATION_BUCKETS, readHistograms } from "./histograms";
import { listJobRuns } from "./job-runs";
import { pendingExtractions } from "./pattern-store";
import { currentPressure, pressureBudget } from "./pressure";

interface CounterSpec {
  help: string;
  /** Label sets shown at 0 before their first event, so every series exists from the start. */
  zero?: string[];
}

/** Counters kept in D1 (name without the `learning_` prefix). */
const COUNTERS: Record<string, CounterSpec> = {
  events_received_total: { help: "Events accepted and committed by ingest." },
  events_processed_total: { help: "Accepted events a consumer finished (scored and marked processed)." },
  events_rejected_total: { help: "Events rejected by ingest, by reason.", zero: ['reason="invalid"'] },
  duplicates_total: { help: "Events not stored again because their id was already stored." },
  patterns_extracted_total: { help: "Patterns extracted, by extractor.", zero: ['extractor="heuristic"', 'extractor="llm"'] },
  errors_total: { help: "Errors by pipeline stage and error type.", zero: ['stage="process",type="other"'] },
  rate_limited_total: {
    help: "Requests refused with 429 rate_limited, by route class and reason (rate, concurrency).",
    zero: ['class="ingest",reason="rate"', 'class="search",reason="rate"', 'class="search",reason="concurrency"'],
  },
  redactions_total: { help: "Secrets scrubbed from text before storage, by kind and project." },
  events_scored_total: { help: "Scores written, by reason (ingest, feedback, profile_version, content, judge)." },
  feedback_received_total: { help: "Feedback records stored." },
  relayed_batches_total: { help: "Ingest chunks the relay re-enqueued." },
  vector_queries_total: { help: "Batched vector-store search calls, by store." },
  dead_letters_total: { help: "Messages parked as dead letters, by queue." },
  dead_letters_replayed_total: { help: "Dead letters replayed." },
  dead_letters_purged_total: { help: "Dead letters purged." },
  backpressure_rejections_total: { help: "Ingest requests refused with 429 because processing was behind." },
  dataset_examples_added_total: { help: "Examples added to datasets by the datasets job." },
  archived_events_total: { help: "Expired raw events archived to R2 (verified before deletion)." },
  deleted_rows_total: { help: "Rows deleted by the lifecycle job, by kind (events, derived, dead_letters, archives)." },
};

const BREAKER_STATE_VALUE: Record<string, number> = { closed: 0, half_open: 1, open: 2 };

async function optionalRows<T>(db: D1Database, sql: string): Promise<T[]> {
  try {
    return (await db.prepare(sql).all<T>()).results;
  } catch {
    return [];
  }
}

/** Everything /metrics exposes, read from D1 at scrape time. */
export async function collectMetrics(env: Env, config: Config, now: number): Promise<MetricFamily[]> {
  const [counterRows, histogramRows, jobs, pressure, breakers, datasets, extractions] = await Promise.all([
    env.DB.prepare("SELECT name, labels, value FROM counters").all<{ name: string; labels: string; value: number }>(),
    readHistograms(env.DB),
    listJobRuns(env.DB),
    currentPressure(env.DB, pressureBudget(config), now, 0),
    optionalRows<{ dependency: string; state: string }>(env.DB, "SELECT dependency, state FROM breakers"),
    optionalRows<{ examples: number; bytes: number }>(
      env.DB,
      "SELECT coalesce(sum(example_count), 0) AS examples, coalesce(sum(size_bytes), 0) AS bytes FROM dataset_current_sizes",
    ),
    pendingExtractions(env.DB),
  ]);

  const sizeProbe = await env.DB.prepare("SELECT 1").run();
  const families: MetricFamily[] = [];
  for (const [name, spec] of Object.entries(COUNTERS)) {
    const samples: Sample[] = counterRows.results.filter((r) => r.name === name).map((r) => ({ labels: r.labels, value: r.value }));
    for (const labels of spec.zero ?? (samples.length === 0 ? [""] : [])) {
      if (!samples.some((s) => s.labels === labels)) samples.push({ labels, value: 0 });
    }
    families.push({ name: `learning_${name}`, help: spec.help, type: "counter", samples });
  }

  const gauge = (name: string, help: string, samples: Sample[]) => families.push({ name: `learning_${name}`, help, type: "gauge", samples });
  gauge("lag_seconds", "Age of the oldest accepted event not yet processed (0 when none).", [{ labels: "", value: pressure.lagSeconds }]);
  gauge("queue_backlog", "Accepted events not yet processed.", [{ labels: "", value: pressure.backlogEvents }]);
  gauge("extractions_pending", "High-value events still waiting for their pattern (the extract queue's backlog).", [
    { labels: "", value: extractions.pending },
  ]);
  gauge("backpressure_max_backlog_events", "Backlog budget: past it ingest answers 429.", [{ labels: "", value: pressure.budget.maxBacklogEvents }]);
  gauge("backpressure_max_lag_seconds", "Lag budget: past it ingest answers 429.", [{ labels: "", value: pressure.budget.maxLagSeconds }]);
  gauge("backpressure_active", "1 while ingest refuses new events because processing is behind.", [{ labels: "", value: pressure.overBudget ? 1 : 0 }]);
  gauge("database_size_bytes", "Size of the D1 database.", [{ labels: "", value: sizeProbe.meta.size_after ?? 0 }]);
  gauge("database_size_cap_bytes", "DB_SIZE_CAP_BYTES: /readyz degrades at 80 % of it and fails at 100 %.", [{ labels: "", value: config.DB_SIZE_CAP_BYTES }]);
  gauge("dataset_examples", "Examples in the current version of all datasets.", [{ labels: "", value: datasets[0]?.examples ?? 0 }]);
  gauge("dataset_size_bytes", "Bytes of the current version of all datasets.", [{ labels: "", value: datasets[0]?.bytes ?? 0 }]);
  gauge(
    "breaker_state",
    "Circuit breaker state by dependency: 0 closed, 1 half-open, 2 open.",
    breakers.map((b) => ({ labels: `dependency="${labelValue(b.dependency)}"`, value: BREAKER_STATE_VALUE[b.state] ?? 0 })),
  );
  gauge(
    "cron_last_success_timestamp_seconds",
    "Unix time of each job's last successful run.",
    jobs.flatMap((j) => (j.last_success_at === null ? [] : [{ labels: `job="${labelValue(j.name)}"`, value: j.last_success_at / 1000 }])),
  );

  const stageSamples: Sample[] = [];
  const stages = [...new Set(histogramRows.filter((r) => r.name === "stage_duration_seconds").map((r) => r.labels))].sort();
  for (const labels of stages) {
    const rows = new Map(histogramRows.filter((r) => r.name === "stage_duration_seconds" && r.labels === labels).map((r) => [r.bucket, r.value]));
    for (const le of [...DURATION_BUCKETS.map(String), "+Inf"]) {
      stageSamples.push({ suffix: "_bucket", labels: `${labels},le="${le}"`, value: rows.get(le) ?? 0 });
    }
    stageSamples.push({ suffix: "_sum", labels, value: rows.get("sum") ?? 0 }, { suffix: "_count", labels, value: rows.get("count") ?? 0 });
  }
  families.push({ name: "learning_stage_duration_seconds", help: "Duration of pipeline stages.", type: "histogram", samples: stageSamples });
  return families;
}

/**
 * Why an event is in the review queue, in queue order: the first that applies
 * is its reason (docs/review.md). An index in this list is the reason's rank.
 */
export const REVIEW_REASONS = ["value_unknown", "low_confidence", "near_threshold", "outcome_quality_disagree"] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

/** `near_threshold`: the value is less than this far from HIGH_VALUE_MIN_VALUE. */
export const NEAR_THRESHOLD_BAND = 0.1;
/** `outcome_quality_disagree`: outcome success (1) with quality below this… */
export const DISAGREE_SUCCESS_MAX_QUALITY = 0.3;
/** …or outcome failure (0) with quality above this. */
export const DISAGREE_FAILURE_MIN_QUALITY = 0.8;

/** Priorities are kept in millionths: integers sort and page exactly. */
const PRIORITY_SCALE = 1_000_000;

/** Where a page of the queue starts: the queue key of the last event of the previous page. */
export interface ReviewKey {
  rank: number;
  /** The priority in millionths. */
  priority: number;
  seq: number;
}

export interface ReviewItem {
  eventId: string;
  reason: ReviewReason;
  /** In [0, 1]; higher is reviewed first within a reason. */
  priority: number;
  value: number | null;
  confidence: number;
  highValue: boolean;
  components: Record<string, number | null>;
  query: string | null;
  interactionId: string | null;
  receivedAt: number;
  scoredAt: number;
  key: ReviewKey;
}

export interface ReviewPage {
  items: ReviewItem[];
  /** The key of this page's last item when more follow, else null. */
  next: ReviewKey | null;
}

export interface ReviewThresholds {
  minValue: number;
  minConfidence: number;
}

interface ReviewRow {
  event_id: string;
  value: number | null;
  confidence: number;
  components: string;
  high_value: number;
  scored_at: number;
  seq: number;
  query: string | null;
  interaction_id: string | null;
  received_at: number;
  rank: number;
  priority: number;
}

/*
 * One statement per page. `latest` is each event's latest score (as
 * scoring-store latestScores picks it); `unrated` drops every event with an
 * explicit rating: a feedback row by event_id or interaction_id, the event's
 * own `feedback` field, or a feedback component in its score. `ranked` gives
 * each remaining event its reason (the first CASE branch that applies) and its
 * priority in millionths; events no branch applies to are not in the queue.
 * Order: rank, then priority (highest first), then newest first (seq); the
 * page starts after the cursor's key and reads limit + 1 rows to know whether
 * another page follows.
 */
const REVIEW_PAGE_SQL = `
WITH latest AS (
  SELECT event_id, value, confidence, components, high_value, scored_at,
         row_number() OVER (PARTITION BY event_id ORDER BY scored_at DESC, rowid DESC) AS rn
  FROM event_scores WHERE project = ?1
),
unrated AS (
  SELECT l.event_id, l.value, l.confidence, l.components, l.high_value, l.scored_at,
         e.seq, e.payload ->> '$.query' AS query, e.interaction_id, e.received_at,
         l.components ->> '$.outcome' AS outcome, l.components ->> '$.quality' AS quality
  FROM latest l JOIN events e ON e.project = ?1 AND e.event_id = l.event_id
  WHERE l.rn = 1
    AND e.payload ->> '$.feedback' IS NULL
    AND l.components ->> '$.feedback' IS NULL
    AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.project = ?1 AND f.event_id = l.event_id)
    AND (e.interaction_id IS NULL OR NOT EXISTS (SELECT 1 FROM feedback f WHERE f.project = ?1 AND f.interaction_id = e.interaction_id))
),
ranked AS (
  SELECT *,
    CASE
      WHEN value IS NULL THEN 0
      WHEN confidence < ?3 THEN 1
      WHEN abs(value - ?2) < ?4 THEN 2
      WHEN (outcome = 1 AND quality < ?5) OR (outcome = 0 AND quality > ?6) THEN 3
    END AS rank
  FROM unrated
),
prioritised AS (
  SELECT *,
    CAST(round(${PRIORITY_SCALE} * CASE rank
      WHEN 0 THEN 1.0
      WHEN 1 THEN (?3 - confidence) / ?3
      WHEN 2 THEN 1.0 - abs(value - ?2) / ?4
      ELSE abs(outcome - quality)
    END) AS INTEGER) AS priority
  FROM ranked WHERE rank IS NOT NULL
)
SELECT event_id, value, confidence, components, high_value, scored_at, seq, query, interaction_id, received_at, rank, priority
FROM prioritised
WHERE ?7 IS NULL
   OR rank > ?7
   OR (rank = ?7 AND priority < ?8)
   OR (rank = ?7 AND priority = ?8 AND seq < ?9)
ORDER BY rank, priority DESC, seq DESC
LIMIT ?10`;

/**
 * One page of a project's review queue: its scored, unrated events whose
 * rating would teach the most, in queue order (docs/review.md), after `after`
 * (null for the first page).
 */
export async function readReviewPage(
  db: D1Database,
  project: string,
  thresholds: ReviewThresholds,
  limit: number,
  after: ReviewKey | null,
): Promise<ReviewPage> {
  const { results } = await db
    .prepare(REVIEW_PAGE_SQL)
    .bind(
      project,
      thresholds.minValue,
      thresholds.minConfidence,
      NEAR_THRESHOLD_BAND,
      DISAGREE_SUCCESS_MAX_QUALITY,
      DISAGREE_FAILURE_MIN_QUALITY,
      after?.rank ?? null,
      after?.priority ?? null,
      after?.seq ?? null,
      limit + 1,
    )
    .all<ReviewRow>();
  const items = results.slice(0, limit).map(
    (r): ReviewItem => ({
      eventId: r.event_id,
      reason: REVIEW_REASONS[r.rank] ?? "value_unknown",
      priority: r.priority / PRIORITY_SCALE,
      value: r.value,
      confidence: r.confidence,
      highValue: r.high_value === 1,
      components: JSON.parse(r.components) as Record<string, number | null>,
      query: r.query,
      interactionId: r.interaction_id,
      receivedAt: r.received_at,
      scoredAt: r.scored_at,
      key: { rank: r.rank, priority: r.priority, seq: r.seq },
    }),
  );
  const last = items.at(-1);
  return { items, next: results.length > limit && last ? last.key : null };
}

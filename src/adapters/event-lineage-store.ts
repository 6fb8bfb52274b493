/**
 * What one event fed: the feedback sent for it (by its id or its interaction
 * id), the patterns it is a source of (pattern_sources) and the dataset
 * examples built from it (its `event_id`, or one of its `source_event_ids`).
 * One D1 batch, each list bounded.
 */

export interface LineageFeedback {
  rating: number;
  comment: string | null;
  outcome: string | null;
  correction: unknown;
  received_at: number;
}

export interface LineagePattern {
  id: string;
  problem: string | null;
  support: number;
  quality: number | null;
}

export interface LineageExample {
  dataset: string;
  content_hash: string;
  kind: string;
  split: string;
  removed_at: number | null;
}

export interface EventLineage {
  feedback: LineageFeedback[];
  patterns: LineagePattern[];
  examples: LineageExample[];
}

/** null when the project has no such event. */
export async function eventLineage(db: D1Database, project: string, eventId: string, limit: number): Promise<EventLineage | null> {
  const [exists, feedback, patterns, examples] = await db.batch([
    db.prepare("SELECT 1 AS found FROM events WHERE project = ?1 AND event_id = ?2 LIMIT 1").bind(project, eventId),
    db
      .prepare(
        `SELECT f.rating, f.comment, f.outcome, f.correction, f.received_at FROM feedback f
         WHERE f.project = ?1 AND (f.event_id = ?2 OR f.interaction_id IN
           (SELECT e.interaction_id FROM events e WHERE e.project = ?1 AND e.event_id = ?2 AND e.interaction_id IS NOT NULL))
         ORDER BY f.received_at DESC, f.seq DESC LIMIT ?3`,
      )
      .bind(project, eventId, limit),
    db
      .prepare(
        `SELECT p.pattern_id AS id, p.pattern ->> '$.problem' AS problem, p.support, p.quality
         FROM pattern_sources ps JOIN patterns p ON p.project = ps.project AND p.pattern_id = ps.pattern_id
         WHERE ps.project = ?1 AND ps.event_id = ?2
         ORDER BY p.support DESC, p.pattern_id LIMIT ?3`,
      )
      .bind(project, eventId, limit),
    db
      .prepare(
        `SELECT d.dataset, d.content_hash, d.kind, d.split, d.removed_at FROM dataset_examples d
         WHERE d.project = ?1 AND (d.event_id = ?2
           OR (d.source_event_ids IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(d.source_event_ids) j WHERE j.value = ?2)))
         ORDER BY d.seq DESC LIMIT ?3`,
      )
      .bind(project, eventId, limit),
  ]);
  if (!exists || exists.results.length === 0 || !feedback || !patterns || !examples) return null;
  return {
    feedback: (feedback.results as (Omit<LineageFeedback, "correction"> & { correction: string | null })[]).map((r) => ({
      rating: r.rating,
      comment: r.comment,
      outcome: r.outcome,
      correction: r.correction === null ? null : parseJson(r.correction),
      received_at: r.received_at,
    })),
    patterns: patterns.results as unknown as LineagePattern[],
    examples: examples.results as unknown as LineageExample[],
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

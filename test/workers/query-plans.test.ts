import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PATTERN_SELECT, PENDING_EXTRACTIONS_SQL, PENDING_STATES_SQL, RECOMPUTE_AGGREGATES_SQL } from "../../src/adapters/pattern-store";
import { FEEDBACK_FOR_SQL } from "../../src/adapters/scoring-store";

/**
 * The consumers' reads must cost what their ids cost, not what the project holds: the lookups that once walked
 * every source of a project (or sorted every source of a pattern) on each extraction are searched by index.
 * SQLite's own plan says so (EXPLAIN QUERY PLAN in local D1).
 */
async function plan(sql: string, ...binds: unknown[]): Promise<string[]> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...binds)
    .all<{ detail: string }>();
  return results.map((r) => r.detail);
}

/** Steps that read a whole table or index (a SCAN of anything but the bound JSON array). */
const scans = (steps: string[]) => steps.filter((s) => /^SCAN /.test(s) && !/^SCAN (json_each|\(subquery)/.test(s));

describe("query plans of the consumers' reads", () => {
  it("finds pending events, their latest score and their pattern by index (not by walking the project's sources)", async () => {
    const steps = await plan(PENDING_EXTRACTIONS_SQL, "p", '["a"]');
    expect(steps.some((s) => /SEARCH ps USING (COVERING )?INDEX pattern_sources_by_event \(project=\? AND event_id=\?\)/.test(s))).toBe(true);
    expect(steps.some((s) => /SEARCH s USING (COVERING )?INDEX event_scores_latest \(project=\? AND event_id=\?/.test(s))).toBe(true);
    expect(scans(steps)).toEqual([]);
  });

  it("finds which held events still wait for extraction, and their pattern, by index", async () => {
    const steps = await plan(PENDING_STATES_SQL, "p", '["a"]');
    expect(steps.some((s) => /SEARCH ps USING (COVERING )?INDEX pattern_sources_by_event \(project=\? AND event_id=\?\)/.test(s))).toBe(true);
    expect(steps.some((s) => /SEARCH x USING (COVERING )?INDEX|SEARCH x USING PRIMARY KEY/.test(s))).toBe(true);
    expect(scans(steps)).toEqual([]);
  });

  it("lists a pattern's first sources in time order without sorting all of them", async () => {
    const steps = await plan(`${PATTERN_SELECT} WHERE p.project = ?1 AND p.pattern_id IN (SELECT value FROM json_each(?2))`, "p", '["a"]');
    expect(steps.some((s) => /SEARCH ps USING (COVERING )?INDEX pattern_sources_by_time \(project=\? AND pattern_id=\?\)/.test(s))).toBe(true);
    expect(scans(steps)).toEqual([]);
  });

  it("recomputes a pattern's aggregates from its index range alone (no table row read per source)", async () => {
    const steps = await plan(RECOMPUTE_AGGREGATES_SQL, '[["p","a"]]');
    expect(steps.some((s) => /SEARCH ps USING COVERING INDEX pattern_sources_by_time \(project=\? AND pattern_id=\?\)/.test(s))).toBe(true);
    expect(scans(steps)).toEqual([]);
  });

  it("reads a chunk's feedback by event and by interaction through their indexes (not all the project's feedback)", async () => {
    const steps = await plan(FEEDBACK_FOR_SQL, "p", '["a"]', '["b"]');
    expect(steps.some((s) => /SEARCH feedback USING (COVERING )?INDEX feedback_event \(project=\? AND event_id=\?\)/.test(s))).toBe(true);
    expect(steps.some((s) => /SEARCH feedback USING (COVERING )?INDEX feedback_interaction \(project=\? AND interaction_id=\?\)/.test(s))).toBe(true);
    expect(scans(steps)).toEqual([]);
  });
});

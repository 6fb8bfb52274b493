import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { EventFactory } from "../../bench/lib/events";
import { tempDir, removeTempDirs, PROJECT_DIR } from "../../bench/lib/gleaner";
import { processTree, treeRssMb } from "../../bench/lib/proc";
import { auditStore } from "../../bench/soak/audit";
import { badPayload } from "../../bench/soak/fuzz-payloads";
import { eventV1Schema } from "../../src/domain/event-schema";

afterEach(removeTempDirs);

/** A D1-shaped SQLite file where the soak audit looks for it, with every migration applied. */
function fakeD1(): { dataDir: string; db: Database.Database } {
  const dataDir = tempDir("gleaner-bench-test-");
  const dir = join(dataDir, "d1", "miniflare-D1DatabaseObject");
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, "test.sqlite"));
  for (const file of readdirSync(join(PROJECT_DIR, "migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    db.exec(readFileSync(join(PROJECT_DIR, "migrations", file), "utf8").replaceAll("--> statement-breakpoint", ""));
  }
  return { dataDir, db };
}

function storeEvent(db: Database.Database, id: string, opts: { processed?: boolean; scores?: number; highValue?: boolean } = {}) {
  db.prepare(
    `INSERT INTO events (project, event_id, batch_id, schema_version, type, source, client_timestamp, client_time_ms, received_at, status, payload)
     VALUES ('p', ?, 'b', 1, 't', 's', '', 0, 0, ?, '{}')`,
  ).run(id, opts.processed === false ? "received" : "processed");
  for (let v = 1; v <= (opts.scores ?? 1); v++) {
    db.prepare(
      `INSERT INTO event_scores (project, event_id, profile, profile_version, value, confidence, components, high_value, reason, scored_at)
       VALUES ('p', ?, 'default', ?, 0.9, 1, '{}', ?, 'ingest', 0)`,
    ).run(id, v, opts.highValue ? 1 : 0);
  }
}

describe("bench harness (no service started)", () => {
  it("makes ~1 KB v1 events with unique producer ids", () => {
    const factory = new EventFactory("t");
    const { ids, text } = factory.body(100);
    const events = (JSON.parse(text) as { events: unknown[] }).events;
    expect(new Set(ids).size).toBe(100);
    expect(ids[0]).toBe("t-0");
    for (const e of events) expect(eventV1Schema.safeParse(e).success).toBe(true);
    const perEvent = Buffer.byteLength(text) / 100;
    expect(perEvent).toBeGreaterThan(900);
    expect(perEvent).toBeLessThan(1200);
  });

  it("reads the RSS of a process tree from /proc", () => {
    expect(processTree(process.pid)).toContain(process.pid);
    expect(treeRssMb(process.pid)).toBeGreaterThan(10);
  });

  it("generates every kind of bad payload", () => {
    const kinds = new Set(fc.sample(badPayload, { numRuns: 2000, seed: 1 }).map((p) => p.kind));
    for (const kind of [
      "wrong_type",
      "missing_field",
      "huge_string",
      "deep_nesting",
      "invalid_utf8",
      "truncated_json",
      "wrong_content_type",
      "wrong_shape",
      "oversized_body",
    ]) {
      expect(kinds).toContain(kind);
    }
  });

  it("the soak audit finds nothing wrong in a consistent store", () => {
    const { dataDir, db } = fakeD1();
    storeEvent(db, "a");
    storeEvent(db, "b");
    db.exec(
      "INSERT INTO counters (name, labels, value) VALUES ('events_received_total', '', 2), ('events_processed_total', '', 2), ('events_scored_total', 'reason=\"ingest\"', 2)",
    );
    db.close();
    const audit = auditStore(dataDir, "p", new Set(["a", "b"]));
    expect(audit.events).toEqual({ stored: 2, lost: 0, duplicated: 0, unprocessed: 0 });
    expect(audit.scores.lost + audit.scores.duplicated).toBe(0);
    expect(audit.counters.exactlyOnce).toBe(true);
  });

  it("the soak audit counts a lost event, an unprocessed one, a doubled score, a missing pattern and a counter off by one", () => {
    const { dataDir, db } = fakeD1();
    storeEvent(db, "a", { highValue: true });
    storeEvent(db, "b", { processed: false, scores: 0 });
    storeEvent(db, "c", { scores: 2 });
    db.exec(
      "INSERT INTO counters (name, labels, value) VALUES ('events_received_total', '', 3), ('events_processed_total', '', 3), ('events_scored_total', 'reason=\"ingest\"', 3)",
    );
    db.close();
    const audit = auditStore(dataDir, "p", new Set(["a", "b", "c", "never-stored"]));
    expect(audit.events.lost).toBe(1);
    expect(audit.events.unprocessed).toBe(1);
    expect(audit.scores.lost).toBe(1);
    expect(audit.scores.duplicated).toBe(1);
    expect(audit.patterns).toMatchObject({ highValue: 1, lost: 1 });
    expect(audit.counters.exactlyOnce).toBe(false);
    rmSync(dataDir, { recursive: true, force: true });
  });
});

import { appendFileSync, copyFileSync, readFileSync, renameSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inference, lines, ship, startFakeGleaner, startShip, tempDir, until, type FakeGleaner } from "./ship-helpers";

let server: FakeGleaner;
let dir: string;
let state: string;

beforeEach(async () => {
  server = await startFakeGleaner();
  dir = tempDir();
  state = join(dir, "state");
});
afterEach(() => server.close());

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => inference(from + i));
const questions = () => server.records().map((r) => r.query);
const expected = (from: number, to: number) => range(from, to).map((r) => r.query);

describe("gleaner ship: rotation", () => {
  it("finishes a file renamed mid-read, then reads its successor: no loss, no duplicate", async () => {
    const live = join(dir, "hybrid-events.jsonl");
    writeFileSync(live, lines(range(0, 300)));
    let rotated = false;
    const { summary } = await ship({
      url: server.url,
      patterns: [live],
      stateDir: state,
      batchLines: 50,
      hooks: {
        afterBatch: () => {
          if (rotated) return;
          rotated = true;
          appendFileSync(live, lines(range(300, 305))); // the writer's last lines before the rename
          renameSync(live, `${live}.1`);
          writeFileSync(live, lines(range(1000, 1020)));
        },
      },
    });
    expect(questions()).toEqual([...expected(0, 305), ...expected(1000, 1020)]);
    expect(server.arrivals).toHaveLength(325);
    expect(summary).toEqual({ files: 2, lines: 325, accepted: 325, duplicates: 0, rejected: 0, quarantined: 0, truncated: 0 });
  });

  it("follows a rotated name in the glob after a restart, by device and inode", async () => {
    const live = join(dir, "ralph-events.jsonl");
    writeFileSync(live, lines(range(0, 10)));
    await ship({ url: server.url, patterns: [join(dir, "ralph-events.jsonl*")], stateDir: state });
    appendFileSync(live, lines(range(10, 12)));
    renameSync(live, `${live}.1`);
    writeFileSync(live, lines(range(100, 105)));
    const { summary } = await ship({ url: server.url, patterns: [join(dir, "ralph-events.jsonl*")], stateDir: state });
    expect(summary).toMatchObject({ lines: 7, accepted: 7, duplicates: 0 });
    expect(questions()).toEqual([...expected(0, 12), ...expected(100, 105)]);
  });

  it("detects copytruncate and continues the copy where it left off", async () => {
    const live = join(dir, "aidb-events.jsonl");
    writeFileSync(live, lines(range(0, 10)));
    await ship({ url: server.url, patterns: [join(dir, "aidb-events.jsonl*")], stateDir: state });
    appendFileSync(live, lines(range(10, 13))); // written after our read, before logrotate copied
    copyFileSync(live, `${live}.1`);
    truncateSync(live, 0);
    appendFileSync(live, lines(range(200, 204)));
    const { summary, logs } = await ship({ url: server.url, patterns: [join(dir, "aidb-events.jsonl*")], stateDir: state });
    expect(summary).toMatchObject({ lines: 7, accepted: 7, duplicates: 0, truncated: 0 });
    expect(questions()).toEqual([...expected(0, 13), ...expected(200, 204)]);
    expect(logs.join("\n")).toMatch(/truncated or replaced/);
  });

  it("detects copytruncate when the file regrew past the old offset before the scan", async () => {
    const live = join(dir, "vscode-events.jsonl");
    writeFileSync(live, lines(range(0, 3)));
    await ship({ url: server.url, patterns: [live], stateDir: state });
    truncateSync(live, 0);
    appendFileSync(live, lines(range(500, 520)));
    const { summary } = await ship({ url: server.url, patterns: [live], stateDir: state });
    expect(summary).toMatchObject({ lines: 20, accepted: 20 });
    expect(questions()).toEqual([...expected(0, 3), ...expected(500, 520)]);
  });

  it("keeps a renamed file open for a grace period, for a write still landing in it", async () => {
    const live = join(dir, "hybrid-events.jsonl");
    writeFileSync(live, lines(range(0, 2)));
    const follower = startShip({ url: server.url, patterns: [live], stateDir: state, once: false, rotationGraceMs: 5000 });
    await until(() => server.stored.size === 2);
    renameSync(live, `${live}.1`);
    writeFileSync(live, lines([inference(50)]));
    await until(() => server.stored.size === 3);
    appendFileSync(`${live}.1`, lines([inference(2)])); // a writer that opened the file before the rename
    await until(() => server.stored.size === 4);
    follower.shipper.stop();
    expect((await follower.done).summary).toMatchObject({ lines: 4, accepted: 4, truncated: 0 });
  });
});

describe("gleaner ship: partial lines", () => {
  it("does not read a last line without newline until it is complete", async () => {
    const live = join(dir, "hybrid-events.jsonl");
    const full = lines([inference(3)]);
    writeFileSync(live, lines(range(0, 3)) + full.slice(0, 40));
    const first = await ship({ url: server.url, patterns: [live], stateDir: state });
    expect(first.summary).toMatchObject({ lines: 3, accepted: 3, quarantined: 0, truncated: 1 });
    expect(questions()).toEqual(expected(0, 3));

    appendFileSync(live, full.slice(40) + lines([inference(4)]));
    const second = await ship({ url: server.url, patterns: [live], stateDir: state });
    expect(second.summary).toMatchObject({ lines: 2, accepted: 2, quarantined: 0, truncated: 0 });
    expect(questions()).toEqual(expected(0, 5));
  });

  it("reports a partial line as truncated once its file is rotated away, before reading the successor", async () => {
    const live = join(dir, "hybrid-events.jsonl");
    const partial = lines([inference(2)]).slice(0, 50);
    writeFileSync(live, lines(range(0, 2)) + partial);
    const follower = startShip({ url: server.url, patterns: [live], stateDir: state, once: false });
    await until(() => server.stored.size === 2);
    renameSync(live, `${live}.1`);
    writeFileSync(live, lines([inference(50)]));
    await until(() => server.stored.size === 3);
    follower.shipper.stop();
    const { summary } = await follower.done;
    expect(summary).toMatchObject({ lines: 3, accepted: 3, truncated: 1 });
    expect(follower.outcomes.map((o) => `${o.status}:${o.offset}`)).toEqual([
      "accepted:0",
      `accepted:${lines(range(0, 1)).length}`,
      `truncated:${lines(range(0, 2)).length}`,
      "accepted:0",
    ]);
    const quarantine = readFileSync(join(state, "quarantine.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(quarantine).toHaveLength(1);
    expect(quarantine[0]).toMatchObject({ reason: "no newline before the file was rotated away", text: partial, file: "hybrid-events.jsonl" });
    expect(questions()).toEqual([...expected(0, 2), "question 50"]);
  });
});

describe("gleaner ship: rotation while it was not running", () => {
  it("reports the rotated file's partial line as truncated when it finds the file under its rotated name", async () => {
    const live = join(dir, "ralph-events.jsonl");
    const partial = lines([inference(2)]).slice(0, 30);
    writeFileSync(live, lines(range(0, 2)) + partial);
    const pattern = join(dir, "ralph-events.jsonl*");
    expect((await ship({ url: server.url, patterns: [pattern], stateDir: state })).summary).toMatchObject({ lines: 2, truncated: 1 });
    renameSync(live, `${live}.1`);
    writeFileSync(live, lines([inference(7)]));
    const { summary, outcomes } = await ship({ url: server.url, patterns: [pattern], stateDir: state });
    expect(summary).toMatchObject({ lines: 1, accepted: 1, truncated: 1, quarantined: 0 });
    expect(outcomes.map((o) => o.status)).toEqual(["truncated", "accepted"]);
    const [report] = readFileSync(join(state, "quarantine.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(report).toMatchObject({ text: partial, path: `${live}.1`, file: "ralph-events.jsonl" });
    expect((await ship({ url: server.url, patterns: [pattern], stateDir: state })).summary).toMatchObject({ lines: 0, truncated: 0 });
  });
});

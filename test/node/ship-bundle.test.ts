import { execFile } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileLabel } from "../../cli/ship/label";
import { parseLine } from "../../cli/ship/lenient-json";
import { legacyEventId } from "../../src/domain/legacy";
import { createKey, PROJECT_DIR, startProcess, tempDataDir, type GleanerProcess } from "./gleaner-process";
import { inference, lines, tempDir } from "./ship-helpers";

const run = promisify(execFile);

let gleaner: GleanerProcess;
let key: string;

beforeAll(async () => {
  const [started] = await Promise.all([startProcess(tempDataDir()), run("npm", ["run", "build:ship"], { cwd: PROJECT_DIR })]);
  gleaner = started;
  key = await createKey(gleaner.base, "ship-bundle");
});

afterAll(async () => {
  gleaner?.child.kill("SIGINT");
  await gleaner?.exited;
});

/** Runs the bundle as a log host would: plain node, from a directory with nothing else in it. */
async function runBundle(dir: string, args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "NODE_PATH" && name !== "NODE_OPTIONS"));
  const { stdout } = await run(process.execPath, ["gleaner-ship.mjs", "--url", gleaner.base, "--key", key, ...args], { cwd: dir, env });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, number>;
}

/** The id the server derives for each parseable line of a file: from its label, byte offset and record. */
function lineIds(path: string): string[] {
  const text = readFileSync(path);
  const ids: string[] = [];
  for (let start = 0, end = text.indexOf(10); end !== -1; start = end + 1, end = text.indexOf(10, start)) {
    const parsed = parseLine(text.subarray(start, end).toString("utf8"));
    if (parsed.ok) ids.push(legacyEventId(fileLabel(path), start, parsed.value));
  }
  return ids;
}

describe("npm run build:ship", () => {
  it("writes one file that ships legacy JSONL to a running Gleaner with plain node and no node_modules", async () => {
    const dir = tempDir("gleaner-ship-bundle-");
    copyFileSync(join(PROJECT_DIR, "dist/gleaner-ship.mjs"), join(dir, "gleaner-ship.mjs"));
    const file = join(dir, "ralph-events.jsonl");
    const records = [
      { event: "task_submitted", task_id: "bundle-1", backend: "aider", prompt_length: 12, timestamp: "2026-01-05T17:49:37.069463" },
      { event: "iteration_completed", task_id: "bundle-1", iteration: 1, backend: "aider", exit_code: 0, timestamp: "2026-01-05T17:49:40+00:00" },
      inference(7, { query: "Quelle heure est-il ? 🔥" }),
    ];
    writeFileSync(file, `${lines(records)}not json\n`);
    expect(readdirSync(dir).sort()).toEqual(["gleaner-ship.mjs", "ralph-events.jsonl"]);

    const state = join(dir, "state");
    const summary = await runBundle(dir, ["--once", "--state", state, file]);
    expect(summary).toEqual({ files: 1, lines: 4, accepted: 3, duplicates: 0, rejected: 0, quarantined: 1, truncated: 0 });

    const ids = lineIds(file);
    expect(ids).toHaveLength(records.length);
    for (const [n, id] of ids.entries()) {
      const res = await fetch(`${gleaner.base}/v1/events/${id}`, { headers: { Authorization: `Bearer ${key}` } });
      expect(res.status, `line ${n + 1} stored as ${id}`).toBe(200);
      const { event } = (await res.json()) as { event: Record<string, unknown> };
      expect(event.type).toBe(records[n]!.event ?? records[n]!.event_type);
    }
    expect(readFileSync(join(state, "quarantine.jsonl"), "utf8")).toContain("not json");

    // The checkpoint in --state holds: a second run reads nothing again.
    expect(await runBundle(dir, ["--once", "--state", state, file])).toMatchObject({ files: 1, lines: 0 });
  });
});

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./gleaner-process";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "gleaner-import-test-"));
  dirs.push(dir);
  return dir;
};

/** `npx tsx scripts/import-fixtures.ts …` from the repo, as a user would run it. */
const importFixtures = (args: string[], timeout = 30_000) =>
  spawnSync(process.execPath, ["--import", "tsx", "scripts/import-fixtures.ts", ...args], { cwd: PROJECT_DIR, encoding: "utf8", timeout });

/** No stack trace, no raw error: one line with the reason and the usage. */
function expectClearRefusal(run: ReturnType<typeof importFixtures>, reason: string) {
  expect(run.status).toBe(2);
  expect(run.stdout).toBe("");
  expect(run.stderr.trim()).toBe(`${reason} — pass the fixtures folder: npm run import:fixtures -- <dir>`);
  expect(run.stderr).not.toMatch(/ENOENT|\n\s+at |Error:/);
}

describe("npm run import:fixtures", () => {
  it("says 'no such directory' with the usage and exits 2 when the folder does not exist", () => {
    const missing = join(temp(), "not-there");
    expectClearRefusal(importFixtures([missing]), `no such directory: ${missing}`);
  });

  it("resolves a relative folder from where npm run was typed", () => {
    const cwd = temp();
    const run = spawnSync("npm", ["--prefix", PROJECT_DIR, "run", "--silent", "import:fixtures", "--", "fixtures"], { cwd, encoding: "utf8", timeout: 60_000 });
    expectClearRefusal(run, `no such directory: ${join(cwd, "fixtures")}`);
  });

  it("refuses a file, and a folder with no .jsonl file, the same way", () => {
    const dir = temp();
    writeFileSync(join(dir, "a.txt"), "x\n");
    expectClearRefusal(importFixtures([join(dir, "a.txt")]), `not a directory: ${join(dir, "a.txt")}`);
    expectClearRefusal(importFixtures([dir]), `no .jsonl files in ${dir}`);
  });

  it("imports the .jsonl files of the folder it is given and checks every line is stored once", () => {
    const dir = join(temp(), "my-fixtures");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "ralph-events.jsonl"),
      [
        '{"event": "task_submitted", "task_id": "537b4f8f-8f2e-492c-abee-2f1916fba26f", "backend": "aider", "prompt_length": 90, "timestamp": "2026-01-05T17:49:37.069463"}',
        '{"event": "iteration_completed", "task_id": "537b4f8f-8f2e-492c-abee-2f1916fba26f", "iteration": 1, "backend": "aider", "exit_code": 1, "timestamp": "2026-01-05T17:49:37.079431"}',
        '{"event": "task_completed", "task_id": "537b4f8f-8f2e-492c-abee-2f1916fba26f", "status": "completed", "total_iterations": 2, "timestamp": "2026-01-05T17:49:37.079946"}',
        "",
      ].join("\n"),
    );
    writeFileSync(join(dir, "notes.txt"), "not telemetry\n");
    const run = importFixtures([dir], 110_000);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Importing 1 files from \S*my-fixtures into a fresh Gleaner/);
    expect(run.stdout).toContain("| ralph-events.jsonl | 3 | 3 | 0 | 0 | 0 | 0 |");
    expect(run.stdout).toContain("Check: 3 complete lines = 3 stored + 0 listed with a reason");
    expect(run.stdout).toContain("Check: shipping all files again from scratch: 0 accepted, 3 duplicates");
    expect(run.stdout).toContain("OK: every complete line is stored once or listed with its reason");
  }, 120_000);
});

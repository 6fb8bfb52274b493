import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./gleaner-process";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A checkout as a fresh clone has it: the files, no node_modules, no .dev.vars. */
function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), "gleaner-doctor-"));
  dirs.push(dir);
  for (const f of ["package.json", ".dev.vars.example"]) cpSync(join(PROJECT_DIR, f), join(dir, f));
  for (const d of ["migrations", "cli"]) cpSync(join(PROJECT_DIR, d), join(dir, d), { recursive: true });
  return dir;
}

const doctor = (dir: string) =>
  spawnSync(process.execPath, [join(dir, "cli/doctor.mjs")], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH, PORT: "0" }, timeout: 60_000 });

describe("npm run doctor", () => {
  it("on a fresh clone names what is missing with its fix, and exits 1", () => {
    const run = doctor(freshClone());
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+dependencies\s+missing: wrangler/);
    expect(run.stdout).toContain("fix: run npm install");
    expect(run.stdout).toMatch(/FAIL\s+\.dev\.vars\s+missing/);
  });

  it("refuses a placeholder secret and passes once dependencies and .dev.vars are there", () => {
    const dir = freshClone();
    symlinkSync(join(PROJECT_DIR, "node_modules"), join(dir, "node_modules"));
    writeFileSync(join(dir, ".dev.vars"), "GLEANER_ADMIN_TOKEN=change-me-to-a-long-random-string\n", { mode: 0o600 });
    const placeholder = doctor(dir);
    expect(placeholder.status).toBe(1);
    expect(placeholder.stdout).toMatch(/FAIL\s+\.dev\.vars\s+missing or placeholder: GLEANER_ADMIN_TOKEN/);
    writeFileSync(join(dir, ".dev.vars"), "GLEANER_ADMIN_TOKEN=9f3c2a7e1b6d4c8f0a5e2d7c9b1f4a6e\n", { mode: 0o600 });
    mkdirSync(join(dir, ".gleaner"), { recursive: true });
    const ok = doctor(dir);
    expect(ok.stdout).toContain("All required checks passed.");
    expect(ok.status).toBe(0);
  });
});

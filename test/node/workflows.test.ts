import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_DIR } from "./gleaner-process";

const dir = join(PROJECT_DIR, ".forgejo/workflows");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));
const yamllint = spawnSync("yamllint", ["--version"]).status === 0;

describe("Forgejo workflows", () => {
  it("exist under .forgejo (not .github): ci and deploy", () => {
    expect(files.sort()).toEqual(["ci.yml", "deploy.yml"]);
  });

  it.each(files)("%s has the keys Forgejo needs: on, jobs.*.runs-on, jobs.*.steps", (file) => {
    const doc = parse(readFileSync(join(dir, file), "utf8")) as { on?: unknown; jobs?: Record<string, { "runs-on"?: unknown; steps?: unknown[] }> };
    expect(doc.on, "on").toBeDefined();
    expect(Object.keys(doc.jobs ?? {}).length, "jobs").toBeGreaterThan(0);
    for (const [name, job] of Object.entries(doc.jobs!)) {
      expect(job["runs-on"], `jobs.${name}.runs-on`).toBeDefined();
      expect(Array.isArray(job.steps) && job.steps.length > 0, `jobs.${name}.steps`).toBe(true);
      for (const step of job.steps!)
        expect(typeof step === "object" && step !== null && ("run" in step || "uses" in step), `a step of ${name} runs or uses something`).toBe(true);
    }
  });

  it("never echoes a secret and never hard-codes a URL to smoke-test", () => {
    const deploy = readFileSync(join(dir, "deploy.yml"), "utf8");
    expect(deploy).not.toMatch(/echo[^\n]*secrets\./);
    expect(deploy).toContain("BASE_URL: ${{ vars.BASE_URL }}");
  });

  it.skipIf(!yamllint)("pass yamllint", () => {
    const run = spawnSync("yamllint", ["-c", join(PROJECT_DIR, ".yamllint.yml"), dir], { encoding: "utf8" });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});

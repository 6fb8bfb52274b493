import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR, startProcess, tempDataDir } from "./gleaner-process";

describe("npm run smoke (the deploy workflow's smoke tests)", () => {
  it("passes against a local npm start given only BASE_URL and the admin token", async () => {
    const gleaner = await startProcess(tempDataDir());
    try {
      const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/smoke.ts"], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        env: { PATH: process.env.PATH, BASE_URL: gleaner.base, GLEANER_ADMIN_TOKEN: "node-test-admin-token" },
        timeout: 60_000,
      });
      expect(run.stdout).toContain("smoke test passed");
      expect(run.status).toBe(0);
    } finally {
      gleaner.child.kill("SIGINT");
      await gleaner.exited;
    }
  });

  it("fails clearly without BASE_URL", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/smoke.ts"], { cwd: PROJECT_DIR, encoding: "utf8", env: { PATH: process.env.PATH } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("set BASE_URL");
  });
});

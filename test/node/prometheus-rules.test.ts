import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./gleaner-process";
import { missingTools, run } from "./ops-helpers";

const OPS = join(PROJECT_DIR, "ops");
const skip = missingTools("promtool");

describe("ops/alerts.yml (Prometheus alerting rules)", () => {
  it.skipIf(skip)("passes promtool check rules", async () => {
    const r = await run("promtool", ["check", "rules", "alerts.yml"], { cwd: OPS });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it.skipIf(skip)("fires and resolves every alert in promtool test rules", async () => {
    const r = await run("promtool", ["test", "rules", "alerts.test.yml"], { cwd: OPS });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("SUCCESS");
  });

  it("has a firing and a resolved case in ops/alerts.test.yml for each alert", () => {
    const names = [...readFileSync(join(OPS, "alerts.yml"), "utf8").matchAll(/^\s*- alert: (\w+)/gm)].map((m) => m[1]!);
    const tests = readFileSync(join(OPS, "alerts.test.yml"), "utf8");
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of names) {
      expect(tests, `${name} never fires in the tests`).toMatch(new RegExp(`alertname: ${name}\\n\\s+exp_alerts:\\n\\s+- exp_labels:`));
      expect(tests, `${name} never resolves in the tests`).toContain(`alertname: ${name}, exp_alerts: [] }`);
    }
  });

  it("watches every cron job in src/cron/index.ts for two of its periods", () => {
    const schedules = [...readFileSync(join(PROJECT_DIR, "src/cron/index.ts"), "utf8").matchAll(/"(\S+(?: \S+){4})": "(\w+)"/g)];
    const rules = readFileSync(join(OPS, "alerts.yml"), "utf8");
    expect(schedules.length).toBeGreaterThanOrEqual(2);
    for (const [, cron, job] of schedules) {
      // The same period rule as /readyz: the minute field, `*` or `*/n`.
      const minute = cron!.split(" ")[0]!;
      const period = minute === "*" ? 60 : Number(/^\*\/(\d+)$/.exec(minute)?.[1] ?? 1440) * 60;
      expect(rules, `GleanerCronStale has no clause for ${job} (${cron})`).toContain(`exported_job="${job}"}) > 2 * ${period}`);
    }
  });

  it.skipIf(skip)("ships an example scrape config that promtool accepts, rules included", async () => {
    const r = await run("promtool", ["check", "config", "prometheus.yml"], { cwd: OPS });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("SUCCESS: 1 rule files found");
  });
});

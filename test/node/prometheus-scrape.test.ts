import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, PROJECT_DIR, startProcess, tempDataDir, waitFor, type GleanerProcess } from "./gleaner-process";
import { missingTools, queryPrometheus, run, sendEvents, startPrometheus, stopGleaner, type PrometheusServer } from "./ops-helpers";

const skip = missingTools("promtool", "prometheus");
const SENT = 3 * 40;

/** A scrape config for one Gleaner, with the shipped alert rules loaded. */
const scrapeConfig = (target: string) => `
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - ${JSON.stringify(join(PROJECT_DIR, "ops/alerts.yml"))}
scrape_configs:
  - job_name: gleaner
    static_configs:
      - targets: [${JSON.stringify(target)}]
`;

describe.skipIf(skip)("Prometheus against a running Gleaner", () => {
  let gleaner: GleanerProcess | undefined;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    gleaner = await startProcess(tempDataDir());
    const key = await createKey(gleaner.base, "prometheus-test");
    for (let b = 0; b < 3; b++) expect(await sendEvents(gleaner.base, key, `prom-${b}`, 40)).toBe(202);
    // One invalid event, so a labelled counter has moved too.
    const bad = await fetch(`${gleaner.base}/v1/events`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ events: [{ id: "prom-bad", type: "t" }] }),
    });
    expect(bad.status).toBe(400);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await stopGleaner(gleaner);
  });

  it("serves /metrics that promtool check metrics accepts", async () => {
    const res = await fetch(`${gleaner!.base}/metrics`);
    const text = await res.text();
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain(`learning_events_received_total ${SENT}`);
    // The disk-cap alerts in ops/alerts.yml read these two gauges.
    expect(text).toMatch(/^learning_database_size_bytes [1-9]\d*$/m);
    expect(text).toMatch(/^learning_database_size_cap_bytes [1-9]\d*$/m);
    const r = await run("promtool", ["check", "metrics"], { input: text });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toBe("");
  });

  it("is scraped by a real Prometheus server, which answers a query for learning_events_received_total", async () => {
    prometheus = await startPrometheus(scrapeConfig(new URL(gleaner!.base).host));
    const base = prometheus.base;
    const received = await waitFor(async () => {
      const [sample] = await queryPrometheus(base, 'learning_events_received_total{job="gleaner"}');
      return sample;
    }, 30_000);
    expect(Number(received.value[1])).toBe(SENT);
    expect(received.metric.instance).toBe(new URL(gleaner!.base).host);

    const [rejected] = await queryPrometheus(base, 'learning_events_rejected_total{reason="invalid"}');
    expect(Number(rejected?.value[1])).toBe(1);
    const [up] = await queryPrometheus(base, 'up{job="gleaner"}');
    expect(up?.value[1]).toBe("1");
    // The runner relays once at start, so the relay job has a success; its name lands in exported_job, as alerts.yml expects.
    const [relay] = await queryPrometheus(base, 'learning_cron_last_success_timestamp_seconds{exported_job="relay"}');
    expect(relay?.metric.job).toBe("gleaner");
    const [disk] = await queryPrometheus(base, 'learning_database_size_bytes{job="gleaner"} / learning_database_size_cap_bytes{job="gleaner"}');
    expect(Number(disk?.value[1])).toBeGreaterThan(0);
    expect(Number(disk?.value[1])).toBeLessThan(0.8);
  });

  it("loads the shipped alert rules and evaluates them without errors, none firing", async () => {
    const base = prometheus!.base;
    interface Rule {
      name: string;
      health: string;
      lastError?: string;
      state: string;
    }
    const rules = await waitFor(async () => {
      const body = (await (await fetch(`${base}/api/v1/rules?type=alert`)).json()) as { data: { groups: { rules: Rule[] }[] } };
      const all = body.data.groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((r) => r.health !== "unknown") ? all : undefined;
    }, 15_000);
    expect(rules.map((r) => r.name)).toContain("GleanerDown");
    expect(rules.filter((r) => r.health !== "ok").map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
    expect(rules.filter((r) => r.state === "firing").map((r) => r.name)).toEqual([]);
  });
});

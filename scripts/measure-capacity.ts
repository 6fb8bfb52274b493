/**
 * Measures what capacity planning needs on this machine: D1 bytes per stored
 * event (~1 KB events, scored and processed) and the mean duration of each
 * pipeline stage, read back from Gleaner's own /metrics.
 *   npx tsx scripts/measure-capacity.ts [events=20000] [outcome=success]
 * With outcome success every event is high value, so each also becomes a
 * pattern with its own vector: the worst case. With failure none does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startGleaner } from "../cli/runner/server";
import { resolveSettings } from "../cli/runner/settings";
import { unstable_readConfig } from "wrangler";

const total = Number(process.argv[2] ?? 20_000);
const outcome = process.argv[3] ?? "success";
const projectDir = resolve(import.meta.dirname, "..");
const dataDir = mkdtempSync(join(tmpdir(), "gleaner-capacity-"));
const varNames = Object.keys(unstable_readConfig({ config: join(projectDir, "wrangler.toml") }).vars ?? {});
const settings = resolveSettings(
  projectDir,
  { ...process.env, PORT: "0", GLEANER_DATA_DIR: dataDir, GLEANER_ADMIN_TOKEN: "capacity-admin-token-0123456789" },
  varNames,
);
const gleaner = await startGleaner(projectDir, settings);
const base = gleaner.url.origin;
const admin = { Authorization: `Bearer ${settings.adminToken}` };
const metric = (text: string, series: string) =>
  Number(
    text
      .split("\n")
      .find((l) => l.startsWith(`${series} `))
      ?.split(" ")[1] ?? NaN,
  );
const metrics = async () => (await fetch(`${base}/metrics`)).text();

try {
  const { key } = (await (await fetch(`${base}/v1/admin/projects/capacity/keys`, { method: "POST", headers: admin })).json()) as { key: string };
  const sizeBefore = metric(await metrics(), "learning_database_size_bytes");
  const filler = "x".repeat(700);
  for (let sent = 0; sent < total; sent += 100) {
    const events = Array.from({ length: 100 }, (_, i) => ({
      id: `cap-${sent + i}`,
      type: "agent_step_complete",
      source: "capacity",
      timestamp: new Date().toISOString(),
      query: `question ${sent + i} about ${filler.slice(0, 200)}`,
      response: `answer ${sent + i} ${filler.slice(0, 500)}`,
      outcome,
      latency_ms: 800,
    }));
    const res = await fetch(`${base}/v1/events`, {
      method: "POST",
      headers: { ...admin, Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ events }),
    });
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}`);
  }
  for (;;) {
    const stats = (await (await fetch(`${base}/v1/admin/stats`, { headers: admin })).json()) as { events: { processed: number } };
    if (stats.events.processed >= total) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const text = await metrics();
  const size = metric(text, "learning_database_size_bytes") - sizeBefore;
  const patterns = metric(text, 'learning_patterns_extracted_total{extractor="heuristic"}');
  console.log(`events: ${total} (outcome ${outcome}; ${patterns} patterns extracted)`);
  console.log(`D1 growth: ${(size / 1024 / 1024).toFixed(1)} MiB, ${Math.round(size / total)} bytes per event (event + score + interaction vector + counters)`);
  console.log(`events per GiB of D1: ${Math.round((1024 ** 3 / size) * total).toLocaleString("en")}`);
  for (const stage of ["ingest", "process"]) {
    const sum = metric(text, `learning_stage_duration_seconds_sum{stage="${stage}"}`);
    const count = metric(text, `learning_stage_duration_seconds_count{stage="${stage}"}`);
    console.log(`stage ${stage}: ${count} runs, mean ${((sum / count) * 1000).toFixed(1)} ms per ${stage === "ingest" ? "100-event request" : "chunk"}`);
  }
} finally {
  await gleaner.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

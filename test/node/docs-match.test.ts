import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { DEFAULTS } from "../../src/config";
import { SCHEDULES } from "../../src/cron/index";
import { PROJECT_DIR } from "./gleaner-process";

const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
const config = unstable_readConfig({ config: join(PROJECT_DIR, "wrangler.toml") });

describe("docs match the code", () => {
  it("lists every cron schedule of wrangler.toml with its job in README, and the dispatcher knows each", () => {
    const crons = config.triggers.crons ?? [];
    expect(crons.length).toBeGreaterThan(0);
    expect(Object.keys(SCHEDULES).sort()).toEqual([...crons].sort());
    for (const cron of crons) {
      expect(readme, `README's cron table lacks \`${cron}\` → \`${SCHEDULES[cron]}\``).toContain(`| \`${cron}\` | \`${SCHEDULES[cron]}\` |`);
    }
    // Rows whose first cell is a five-field cron expression (other tables, e.g. dataset rules, look alike otherwise).
    const documented = [...readme.matchAll(/^\| `((?:\S+ ){4}\S+)` \| `([a-z]+)` \|/gm)].map((m) => m[1]);
    for (const cron of documented) expect(crons, `README documents a schedule wrangler.toml does not have: ${cron}`).toContain(cron);
  });

  it("keeps wrangler.toml [vars] equal to the defaults in src/config.ts, and README names every variable", () => {
    const vars = config.vars as Record<string, string>;
    for (const [name, value] of Object.entries(DEFAULTS)) {
      expect(vars[name], `wrangler.toml [vars] ${name}`).toBe(String(value));
      expect(readme, `README's configuration table lacks ${name}`).toContain(`\`${name}\``);
    }
  });

  it("quotes the ingest limits README states", () => {
    expect(DEFAULTS.MAX_BODY_BYTES).toBe(5 * 1024 * 1024);
    expect(readme).toMatch(/\| request body \| 5 MiB \| `MAX_BODY_BYTES`/);
    expect(DEFAULTS.MAX_EVENTS_PER_REQUEST).toBe(1000);
    expect(readme).toMatch(/\| events per request \| 1,000 \| `MAX_EVENTS_PER_REQUEST`/);
    expect(DEFAULTS.MAX_EVENT_BYTES).toBe(64 * 1024);
    expect(readme).toMatch(/\| one event \(its stored JSON, UTF-8\) \| 64 KiB \| `MAX_EVENT_BYTES`/);
  });
});

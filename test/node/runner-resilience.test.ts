import { afterEach, describe, expect, it, vi } from "vitest";
import { scheduleCrons } from "../../cli/runner/crons";
import { retryWithBackoff } from "../../cli/runner/retry";
import { type RunningGleaner, startGleaner, type WorkerCalls } from "../../cli/runner/server";
import { resolveSettings } from "../../cli/runner/settings";
import { PROJECT_DIR, tempDataDir, waitFor } from "./gleaner-process";

/** What `fetch` throws when the worker's port refuses the connection. */
function refused(port: string): TypeError {
  return new TypeError("fetch failed", { cause: new Error(`connect ECONNREFUSED 127.0.0.1:${port}`) });
}

/** The JSON lines the runner logged with console.warn / console.error, parsed. */
function capturedLogs() {
  const lines: Record<string, unknown>[] = [];
  const keep = (...args: unknown[]) => {
    try {
      lines.push(JSON.parse(String(args[0])) as Record<string, unknown>);
    } catch {
      // Not one of the runner's JSON lines.
    }
  };
  vi.spyOn(console, "warn").mockImplementation(keep);
  vi.spyOn(console, "error").mockImplementation(keep);
  return lines;
}

const quick = { attempts: 4, firstDelayMs: 10, maxDelayMs: 40 };
let gleaner: RunningGleaner | undefined;

afterEach(async () => {
  await gleaner?.stop();
  gleaner = undefined;
  vi.restoreAllMocks();
});

function start(failRelay: (call: number) => boolean) {
  const settings = resolveSettings(PROJECT_DIR, { PORT: "0", GLEANER_DATA_DIR: tempDataDir(), GLEANER_ADMIN_TOKEN: "resilience-admin-token" }, []);
  let relayCalls = 0;
  const interceptCalls = (real: WorkerCalls): WorkerCalls => ({
    ...real,
    fetch: (url, init) => (failRelay(++relayCalls) ? Promise.reject(refused(url.port)) : real.fetch(url, init)),
  });
  return { settings, started: startGleaner(PROJECT_DIR, settings, { interceptCalls, relayBackoff: quick }) };
}

describe("npm start when its own call to the worker fails", () => {
  it("logs the start-up relay's failure with its reason, retries it, and serves all along", async () => {
    const logs = capturedLogs();
    const { started } = start((call) => call <= 2);
    gleaner = await started;
    expect((await fetch(new URL("/healthz", gleaner.url))).status).toBe(200);
    expect(await gleaner.relayed).toBe(true);
    const retries = logs.filter((l) => l.msg === "start-up relay failed; retrying");
    expect(retries.map((l) => [l.level, l.attempt, l.retry_in_ms])).toEqual([
      ["warn", 1, 10],
      ["warn", 2, 20],
    ]);
    expect(retries[0]!.reason).toMatch(/^fetch failed: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });

  it("gives up on a relay that never works after a bounded number of tries, and keeps serving", async () => {
    const logs = capturedLogs();
    const { settings, started } = start(() => true);
    gleaner = await started;
    expect(await gleaner.relayed).toBe(false);
    expect(logs.filter((l) => l.msg === "start-up relay failed; retrying")).toHaveLength(quick.attempts - 1);
    expect(logs.filter((l) => l.msg === "start-up relay failed; giving up")).toEqual([expect.objectContaining({ level: "error", attempts: quick.attempts })]);
    expect((await fetch(new URL("/healthz", gleaner.url))).status).toBe(200);
    const key = await fetch(new URL("/v1/admin/projects/still-serving/keys", gleaner.url), {
      method: "POST",
      headers: { Authorization: `Bearer ${settings.adminToken}` },
    });
    expect(key.status).toBe(201);
  });

  it("keeps firing a cron whose dispatch throws, logging each failure", async () => {
    const logs = capturedLogs();
    let fired = 0;
    // Six fields: every second, so the test sees several runs.
    const crons = scheduleCrons(["* * * * * *"], async () => {
      fired++;
      throw refused("8787");
    });
    try {
      await waitFor(async () => (fired >= 2 ? true : undefined), 10_000);
    } finally {
      crons.stop();
    }
    expect(logs.filter((l) => l.msg === "cron dispatch failed").length).toBeGreaterThanOrEqual(2);
    expect(logs[0]).toMatchObject({ level: "error", cron: "* * * * * *", reason: "fetch failed: connect ECONNREFUSED 127.0.0.1:8787" });
  });
});

describe("retryWithBackoff", () => {
  it("doubles the wait up to its cap, stops after the last try, and never rejects", async () => {
    capturedLogs();
    const waits: number[] = [];
    const ok = await retryWithBackoff("a call", () => Promise.reject(new Error("down")), {
      attempts: 6,
      firstDelayMs: 500,
      maxDelayMs: 4_000,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(ok).toBe(false);
    expect(waits).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
  });

  it("stops retrying once the runner stops", async () => {
    capturedLogs();
    const stopping = new AbortController();
    let calls = 0;
    const ok = await retryWithBackoff(
      "a call",
      async () => {
        calls++;
        stopping.abort();
        throw new Error("down");
      },
      { attempts: 5, firstDelayMs: 1, maxDelayMs: 1, signal: stopping.signal },
    );
    expect([ok, calls]).toEqual([false, 1]);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { createKey, startProcess, stopStartedProcesses, tempDataDir, waitFor } from "./gleaner-process";

afterEach(stopStartedProcesses);

describe("npm start (the local workerd runner)", () => {
  it("serves, stores and processes an event, and stops cleanly on Ctrl-C", async () => {
    const gleaner = await startProcess(tempDataDir());
    expect(gleaner.output()).toContain("Get a project key:");
    // The banner names the dashboard and the API reference, and both answer.
    expect(gleaner.output()).toContain(`dashboard:   ${gleaner.base}/\n`);
    expect(gleaner.output()).toContain(`API docs:    ${gleaner.base}/docs\n`);
    for (const page of ["/", "/docs"]) expect((await fetch(`${gleaner.base}${page}`)).status).toBe(200);
    const key = await createKey(gleaner.base, "runner-test");
    const res = await fetch(`${gleaner.base}/v1/events`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ events: [{ id: "run-1", type: "t", source: "s", timestamp: "2026-11-01T00:00:00Z" }] }),
    });
    expect(res.status).toBe(202);
    const status = await waitFor(async () => {
      const r = await fetch(`${gleaner.base}/v1/events/run-1`, { headers: { Authorization: `Bearer ${key}` } });
      const body = (await r.json()) as { status: string };
      return body.status === "processed" ? body.status : undefined;
    }, 20_000);
    expect(status).toBe("processed");

    gleaner.child.kill("SIGINT");
    expect(await gleaner.exited).toBe(0);
    expect(gleaner.output()).toContain("stopped");
  });

  it("keeps state in GLEANER_DATA_DIR across restarts and applies migrations once", async () => {
    const dataDir = tempDataDir();
    const first = await startProcess(dataDir);
    expect(first.output()).toContain("0000_init.sql");
    const key = await createKey(first.base, "restart-test");
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const second = await startProcess(dataDir);
    expect(second.output()).toContain("migrations:  up to date");
    const res = await fetch(`${second.base}/v1/events/none`, { headers: { Authorization: `Bearer ${key}` } });
    expect(res.status).toBe(404);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });
});

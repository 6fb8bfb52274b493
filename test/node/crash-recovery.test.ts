import { afterEach, describe, expect, it } from "vitest";
import { ADMIN, crash, createKey, startProcess, stopStartedProcesses, tempDataDir, waitFor } from "./gleaner-process";

afterEach(stopStartedProcesses);

interface Stats {
  events: { total: number; processed: number };
  pending: { batches: number };
  counters: Record<string, number>;
}

const stats = async (base: string): Promise<Stats> => (await fetch(`${base}/v1/admin/stats`, { headers: ADMIN })).json() as Promise<Stats>;

describe("kill -9 right after a 202", () => {
  it("loses no accepted event and processes each exactly once after a restart", async () => {
    const dataDir = tempDataDir();
    const first = await startProcess(dataDir);
    const key = await createKey(first.base, "crash-test");
    // Not a multiple of the queue's batch size (10): the last delivery waits its full batch timeout, so work is still pending at the kill.
    const batches = 21;
    const perBatch = 50;
    for (let b = 0; b < batches; b++) {
      const events = Array.from({ length: perBatch }, (_, i) => ({
        id: `crash-${b}-${i}`,
        type: "agent_step_complete",
        source: "crash-test",
        timestamp: new Date().toISOString(),
        query: `question ${b}/${i}`,
      }));
      const res = await fetch(`${first.base}/v1/events`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ events }),
      });
      expect(res.status).toBe(202);
    }
    await crash(first);

    const second = await startProcess(dataDir);
    const done = await waitFor(async () => {
      const s = await stats(second.base);
      return s.events.processed === batches * perBatch && s.pending.batches === 0 ? s : undefined;
    }, 60_000);
    expect(done.events.total).toBe(batches * perBatch);
    expect(done.counters.events_received_total).toBe(batches * perBatch);
    expect(done.counters.events_processed_total).toBe(batches * perBatch);
    // The 1 s queue batch window means chunks were still unfinished at the kill; the relay recovered them.
    const relayed = done.counters.relayed_batches_total ?? 0;
    expect(relayed).toBeGreaterThanOrEqual(1);
    expect(relayed).toBeLessThanOrEqual(batches);
    console.log(
      `crash test: ${batches * perBatch} accepted, relayed ${done.counters.relayed_batches_total ?? 0} of ${batches} chunks after kill -9, processed ${done.counters.events_processed_total}`,
    );
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });
});

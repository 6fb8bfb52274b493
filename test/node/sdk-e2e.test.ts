import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createGleanerClient, fileJournal } from "../../sdk/src/node";
import { ADMIN, createKey, startProcess, tempDataDir, type GleanerProcess } from "./gleaner-process";
import { freePort, startProducer } from "./sdk-helpers";

const stop = async (p: GleanerProcess) => {
  p.child.kill("SIGINT");
  expect(await p.exited).toBe(0);
};

describe("the SDK against a running Gleaner", () => {
  it("delivers every event exactly once across a server outage and a producer kill -9, and surfaces rejections", async () => {
    const dataDir = tempDataDir();
    const port = String(await freePort());
    let gleaner = await startProcess(dataDir, { PORT: port });
    const key = await createKey(gleaner.base, "sdk-e2e");
    const journals = mkdtempSync(join(tmpdir(), "gleaner-sdk-e2e-"));
    const client = createGleanerClient({
      url: gleaner.base,
      key,
      source: "sdk-e2e",
      journal: fileJournal(join(journals, "main.jsonl")),
      maxBufferedEvents: 50,
      flushIntervalMs: 50,
      retry: { initialDelayMs: 50, maxDelayMs: 500 },
      onError: () => {},
    });

    // Up: a batch with one invalid event is stored but for that one, which is reported, not retried.
    const before = await Promise.all(Array.from({ length: 100 }, (_, i) => client.track({ type: "agent_step_complete", query: `before ${i}` })));
    const invalid = await client.track({ type: "agent_step_complete", outcome: "great" as never });
    const first = await client.flush();
    expect(first.accepted.sort()).toEqual([...before].sort());
    expect(first.rejected).toEqual([{ id: invalid, errors: [{ path: "outcome", message: expect.any(String) }] }]);

    // Down: tracking goes on (past the memory cap, into the journal); a producer with events in flight is killed.
    await stop(gleaner);
    const during = await Promise.all(Array.from({ length: 200 }, (_, i) => client.track({ type: "agent_step_complete", query: `during ${i}` })));
    expect(client.stats().spilled).toBeGreaterThan(0);
    await expect(client.flush({ timeoutMs: 300 })).rejects.toMatchObject({ code: "flush_timeout" });
    const producerJournal = join(journals, "crashed.jsonl");
    const producer = startProducer({ url: gleaner.base, key, journal: producerJournal, count: 100, batchMaxEvents: 30 });
    const crashed = await producer.ids.finally(() => producer.child.kill("SIGKILL"));
    expect(await producer.exited).toBe("SIGKILL");

    // Back on the same URL: the running client catches up, a new client resends the dead producer's journal.
    gleaner = await startProcess(dataDir, { PORT: port });
    const second = await client.close();
    expect(second.accepted.sort()).toEqual([...during].sort());
    const restarted = createGleanerClient({ url: gleaner.base, key, journal: fileJournal(producerJournal), onError: () => {} });
    const third = await restarted.close();
    expect(third.accepted.sort()).toEqual([...crashed].sort());

    const headers = { Authorization: `Bearer ${key}` };
    for (const id of [...before, ...during, ...crashed]) {
      const res = await fetch(`${gleaner.base}/v1/events/${id}`, { headers });
      expect(res.status, id).toBe(200);
      expect(((await res.json()) as { id: string }).id).toBe(id);
    }
    expect((await fetch(`${gleaner.base}/v1/events/${invalid}`, { headers })).status).toBe(404);
    const stats = (await (await fetch(`${gleaner.base}/v1/admin/stats`, { headers: ADMIN })).json()) as { events: { total: number } };
    expect(stats.events.total).toBe(400);
    await stop(gleaner);
  });
});

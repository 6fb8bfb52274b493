import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileJournal } from "../../sdk/src/node";
import { clientFor, event, FAKE_KEY, FakeGleaner, startProducer, until } from "./sdk-helpers";

let fake: FakeGleaner;
beforeEach(async () => {
  fake = await FakeGleaner.start();
});
afterEach(async () => {
  await fake.close();
});

const journalPath = () => join(mkdtempSync(join(tmpdir(), "gleaner-sdk-")), "buffer.jsonl");
describe("file journal: a producer crash loses nothing", () => {
  it("kill -9 with a non-empty buffer: the next client on the file resends everything, the server stores each event once", async () => {
    const path = journalPath();
    // The first batch is stored but its 202 never reaches the producer; then the server fails until the crash.
    fake.faults = [{ drop: "after_storing" }, ...Array.from({ length: 100_000 }, () => ({ status: 503 }))];
    const producer = startProducer({ url: fake.url, key: FAKE_KEY, journal: path, count: 100, batchMaxEvents: 40 });
    let ids: string[];
    try {
      ids = await producer.ids;
      await until(() => fake.stored.size === 40 && fake.eventRequests().length > 3);
    } finally {
      producer.child.kill("SIGKILL");
    }
    expect(await producer.exited).toBe("SIGKILL");
    expect(fake.stored.size).toBe(40);

    fake.faults = [];
    const client = clientFor(fake, { journal: fileJournal(path) });
    const report = await client.flush();
    expect(report.duplicates).toEqual(ids.slice(0, 40));
    expect(report.accepted).toEqual(ids.slice(40));
    expect(fake.ids()).toEqual(ids);
    expect([...fake.acceptedTimes.values()].every((n) => n === 1)).toBe(true);
    await client.close();
    expect(statSync(path).size).toBe(0);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("ignores a line torn by a crash mid-write and resends only the unsettled events", async () => {
    const path = journalPath();
    const line = (seq: number, id: string) => `{"s":${seq},"e":${JSON.stringify({ id, type: "t", source: "s", timestamp: "2026-01-01T00:00:00Z" })}}\n`;
    writeFileSync(path, line(1, "a") + line(2, "b") + line(3, "c") + `{"a":[1,3]}\n` + line(4, "d") + `{"s":5,"e":{"id":"tor`);
    const client = clientFor(fake, { journal: fileJournal(path) });
    expect((await client.flush()).accepted).toEqual(["b", "d"]);
    // New events continue the sequence after the recovered ones.
    await client.track({ ...event(1), id: "e" });
    await client.close();
    expect(fake.ids()).toEqual(["b", "d", "e"]);
  });

  it("keeps a copy of a journal with an unreadable line in the middle and reports it", async () => {
    const path = journalPath();
    const entry = `{"s":1,"e":${JSON.stringify({ id: "a", type: "t", source: "s", timestamp: 1 })}}\n`;
    writeFileSync(path, `garbage\n${entry}`);
    const errors: Error[] = [];
    const client = clientFor(fake, { journal: fileJournal(path), onError: (e) => errors.push(e) });
    expect((await client.flush()).accepted).toEqual(["a"]);
    await client.close();
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(["journal_damaged"]);
    const copies = readdirSync(dirname(path)).filter((f) => f.includes(".corrupt-"));
    expect(copies).toHaveLength(1);
    expect(readFileSync(join(dirname(path), copies[0]!), "utf8")).toContain("garbage");
  });

  it("compacts: once compactAfter events have settled, the file is rewritten with only the unsettled ones", async () => {
    const path = journalPath();
    const journal = fileJournal(path, { compactAfter: 50 });
    expect(await journal.open()).toEqual({ unsent: 0, nextSeq: 1 });
    const entry = (seq: number) => {
      const json = JSON.stringify({ id: `e${seq}`, type: "t", source: "s", timestamp: 1 });
      return { seq, id: `e${seq}`, json, bytes: json.length };
    };
    await journal.append(
      Array.from({ length: 80 }, (_, i) => entry(i + 1)),
      false,
    );
    await journal.append(
      Array.from({ length: 20 }, (_, i) => entry(i + 81)),
      true,
    );
    await journal.settle(Array.from({ length: 49 }, (_, i) => i + 1));
    expect(readFileSync(path, "utf8").split("\n")).toHaveLength(100 + 1 + 1);
    await journal.settle([50]);
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { s: number }).s)).toEqual(Array.from({ length: 50 }, (_, i) => i + 51));
    expect(existsSync(`${path}.tmp`)).toBe(false);
    // The spilled events are still found, in order, after the rewrite moved them.
    const spilled = await journal.readSpilled(100, 1 << 20);
    expect(spilled.map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => `e${i + 81}`));
    expect(spilled[0]!.json).toBe(entry(81).json);
    // Everything settled: the file is emptied.
    await journal.settle(Array.from({ length: 50 }, (_, i) => i + 51));
    expect(statSync(path).size).toBe(0);
    await journal.close();
    // A reopened journal continues the sequence numbers only from what is in the file.
    const reopened = fileJournal(path);
    expect(await reopened.open()).toEqual({ unsent: 0, nextSeq: 1 });
    await reopened.close();
  });

  it("refuses a second client on a journal already open, in this process or another live one", async () => {
    const path = journalPath();
    const first = clientFor(fake, { journal: fileJournal(path) });
    await first.flush();
    const errors: Error[] = [];
    const second = clientFor(fake, { journal: fileJournal(path), onError: (e) => errors.push(e) });
    await expect(second.track(event(1))).rejects.toThrow(/already open in this process/);
    await first.close();
    await second.close().catch(() => {});

    const other = journalPath();
    writeFileSync(`${other}.lock`, String(process.ppid));
    const third = clientFor(fake, { journal: fileJournal(other) });
    await expect(third.track(event(1))).rejects.toThrow(/in use by process/);
    await third.close().catch(() => {});
  });
});

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FatalSendError } from "../../cli/ship/sender";
import { inference, lines, pyJson, ship, startFakeGleaner, startShip, tempDir, until, type FakeGleaner } from "./ship-helpers";

let server: FakeGleaner | undefined;
afterEach(() => server?.close());

function setup(records: Record<string, unknown>[] | string) {
  const dir = tempDir();
  const file = join(dir, "hybrid-events.jsonl");
  writeFileSync(file, typeof records === "string" ? records : lines(records));
  return { dir, file, state: join(dir, "state") };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => inference(from + i));
const readJsonl = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("gleaner ship: delivery", () => {
  it("retries 5xx and 429 with backoff, honouring Retry-After", async () => {
    server = await startFakeGleaner((n) => (n <= 2 ? { status: 503 } : n === 3 ? { status: 429, headers: { "Retry-After": "1" } } : undefined));
    const { file, state } = setup(range(0, 5));
    const { summary, logs } = await ship({ url: server.url, patterns: [file], stateDir: state });
    expect(summary).toMatchObject({ lines: 5, accepted: 5 });
    expect(server.requests).toHaveLength(4);
    expect(server.requests[3]!.at - server.requests[2]!.at).toBeGreaterThanOrEqual(950);
    expect(server.requests.every((r) => r.auth === "Bearer test-key")).toBe(true);
    expect(logs.filter((l) => /retry/.test(l))).toHaveLength(3);
  });

  it("never retries a 4xx rejection: counts it as rejected with the reason and moves on", async () => {
    const errors = [{ path: "record.timestamp", message: "the record has no timestamp (nor ts)" }];
    server = await startFakeGleaner((n, events) =>
      n === 1
        ? {
            status: 400,
            body: {
              error: {
                code: "no_valid_events",
                message: "no event was valid",
                details: { results: events.map((_, index) => ({ index, status: "rejected", errors })) },
              },
            },
          }
        : undefined,
    );
    const { file, state } = setup([{ event_type: "x" }, { event_type: "y" }]);
    const { summary } = await ship({ url: server.url, patterns: [file], stateDir: state });
    expect(summary).toMatchObject({ lines: 2, rejected: 2, accepted: 0 });
    expect(server.requests).toHaveLength(1);
    const rejected = readJsonl(join(state, "rejected.jsonl"));
    expect(rejected[0]).toMatchObject({ reason: "record.timestamp: the record has no timestamp (nor ts)", offset: 0, line: 1, errors });
    const again = await ship({ url: server.url, patterns: [file], stateDir: state });
    expect(again.summary.lines).toBe(0);
  });

  it("stops on a wrong key without moving the checkpoint", async () => {
    server = await startFakeGleaner(() => ({ status: 401, body: { error: { code: "unauthorized", message: "bad key" } } }));
    const { file, state } = setup(range(0, 3));
    await expect(ship({ url: server.url, patterns: [file], stateDir: state })).rejects.toBeInstanceOf(FatalSendError);
    await server.close();
    server = await startFakeGleaner();
    const { summary } = await ship({ url: server.url, patterns: [file], stateDir: state });
    expect(summary).toMatchObject({ lines: 3, accepted: 3 });
  });

  it("splits a batch the server finds too large", async () => {
    server = await startFakeGleaner((_n, events) =>
      events.length > 2 ? { status: 413, body: { error: { code: "payload_too_large", message: "too big" } } } : undefined,
    );
    const { file, state } = setup(range(0, 7));
    const { summary } = await ship({ url: server.url, patterns: [file], stateDir: state });
    expect(summary).toMatchObject({ lines: 7, accepted: 7 });
    expect(server.records().map((r) => r.query)).toEqual(range(0, 7).map((r) => r.query));
  });

  it("loses nothing and duplicates nothing when it dies between send and checkpoint", async () => {
    server = await startFakeGleaner();
    const { file, state } = setup(range(0, 120));
    let batches = 0;
    const crash = new Error("simulated crash after the server acknowledged");
    await expect(
      ship({
        url: server.url,
        patterns: [file],
        stateDir: state,
        batchLines: 50,
        hooks: {
          beforeCheckpoint: () => {
            if (++batches === 2) throw crash;
          },
        },
      }),
    ).rejects.toBe(crash);
    // The first batch was checkpointed; the second and any sent while it was in flight are sent again.
    const sentBefore = server.stored.size;
    expect(sentBefore).toBeGreaterThanOrEqual(100);
    const { summary } = await ship({ url: server.url, patterns: [file], stateDir: state, batchLines: 50 });
    expect(summary).toMatchObject({ lines: 70, duplicates: sentBefore - 50, accepted: 120 - sentBefore });
    expect(server.stored.size).toBe(120);
    expect(new Set(server.records().map((r) => r.query))).toEqual(new Set(range(0, 120).map((r) => r.query)));
  });

  it("keeps batches in flight while it reads, and moves the checkpoint only past those acknowledged in order", async () => {
    const { file, state } = setup(range(0, 250));
    // Each answer takes a while; the second batch is refused (a key revoked mid-import): a fatal stop.
    let refusing = true;
    server = await startFakeGleaner((n) =>
      refusing && n === 2 ? { status: 401, delayMs: 100, body: { error: { code: "unauthorized", message: "bad key" } } } : { delayMs: 100 },
    );
    await expect(ship({ url: server.url, patterns: [file], stateDir: state, batchLines: 50, maxInFlight: 3 })).rejects.toBeInstanceOf(FatalSendError);
    expect(server.load.max).toBe(3);
    // Batches 1 and 3 were stored; only batch 1 is checkpointed, so everything from batch 2 on is sent again.
    expect(server.stored.size).toBeGreaterThanOrEqual(100);
    const stored = server.stored.size;
    refusing = false;
    const { summary } = await ship({ url: server.url, patterns: [file], stateDir: state, batchLines: 50, maxInFlight: 3 });
    expect(summary).toMatchObject({ lines: 200, accepted: 250 - stored, duplicates: stored - 50 });
    expect(server.stored.size).toBe(250);
  });

  it("stops after the batches in flight when asked (SIGINT), checkpointing them", async () => {
    const { file, state } = setup(range(0, 400));
    let run: ReturnType<typeof startShip> | undefined;
    server = await startFakeGleaner((n) => {
      if (n !== 1) return { delayMs: 200 };
      run!.shipper.stop(); // arrives while the first batch is in flight
      return { delayMs: 200 };
    });
    run = startShip({ url: server.url, patterns: [file], stateDir: state, once: false, batchLines: 50 });
    const { summary } = await run.done;
    const sent = server.requests.length;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(3); // the default in flight, no more after the stop
    expect(summary).toMatchObject({ lines: 50 * sent, accepted: 50 * sent });
    const rest = await ship({ url: server.url, patterns: [file], stateDir: state });
    expect(rest.summary).toMatchObject({ lines: 400 - 50 * sent, accepted: 400 - 50 * sent, duplicates: 0 });
  });

  it("gives up waiting for a dead server when stopped, without checkpointing", async () => {
    server = await startFakeGleaner(() => ({ status: 503 }));
    const { file, state } = setup(range(0, 3));
    const run = startShip({ url: server.url, patterns: [file], stateDir: state, once: false, retry: { baseMs: 50, maxMs: 50 } });
    await until(() => server!.requests.length >= 2);
    run.shipper.stop();
    const { summary } = await run.done;
    expect(summary).toMatchObject({ lines: 0, accepted: 0 });
    await server.close();
    server = await startFakeGleaner();
    expect((await ship({ url: server.url, patterns: [file], stateDir: state })).summary).toMatchObject({ lines: 3, accepted: 3 });
  });
});

describe("gleaner ship: corrupt lines", () => {
  it("quarantines what is not a JSON object, with the reason, and counts it", async () => {
    server = await startFakeGleaner();
    const text =
      [
        pyJson(inference(1)),
        '{"event_type": "local_inference", "timestamp": "2026-06-01T00:00:00Z", "query": "cut',
        pyJson({ ...inference(2), latency_ms: Number.NaN, score: Number.POSITIVE_INFINITY }),
        "[1, 2, 3]",
        "",
        pyJson(inference(3)),
      ].join("\n") + "\n";
    const { file, state } = setup(text);
    const { summary } = await ship({ url: server.url, patterns: [file], stateDir: state });
    expect(summary).toEqual({ files: 1, lines: 6, accepted: 3, duplicates: 0, rejected: 0, quarantined: 3, truncated: 0 });
    const quarantine = readJsonl(join(state, "quarantine.jsonl"));
    expect(quarantine.map((q) => [q.line, q.reason.replace(/:.*/, "")])).toEqual([
      [2, "not JSON"],
      [4, "not a JSON object"],
      [5, "blank line"],
    ]);
    expect(quarantine[0].text).toContain('"query": "cut');
    const nan = server.records().find((r) => r.query === "question 2")!;
    expect(nan).toMatchObject({ latency_ms: "NaN", score: "Infinity" });
  });

  it("reads in chunks and quarantines a line over the limit without holding it", async () => {
    server = await startFakeGleaner();
    const huge = pyJson({ ...inference(1), response: "x".repeat(20_000) });
    const { file, state } = setup(`${pyJson(inference(0))}\n${huge}\n${pyJson(inference(2))}\n`);
    const { summary } = await ship({ url: server.url, patterns: [file], stateDir: state, chunkBytes: 256, maxLineBytes: 4096 });
    expect(summary).toMatchObject({ lines: 3, accepted: 2, quarantined: 1 });
    const [q] = readJsonl(join(state, "quarantine.jsonl"));
    expect(q.reason).toBe(`line is ${huge.length} bytes; the limit is 4096`);
    expect(q.text.length).toBeLessThanOrEqual(1024);
  });
});

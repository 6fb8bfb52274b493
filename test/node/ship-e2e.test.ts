import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileLabel } from "../../cli/ship/label";
import { parseLine } from "../../cli/ship/lenient-json";
import { legacyEventId } from "../../src/domain/legacy";
import { ADMIN, createKey, PROJECT_DIR, startProcess, tempDataDir, type GleanerProcess } from "./gleaner-process";
import { inference, lines, ship, tempDir, until } from "./ship-helpers";

let gleaner: GleanerProcess;
let key: string;

beforeAll(async () => {
  gleaner = await startProcess(tempDataDir());
  key = await createKey(gleaner.base, "ship-e2e");
});

afterAll(async () => {
  gleaner.child.kill("SIGINT");
  await gleaner.exited;
});

/** Runs `gleaner ship` as a user would, through bin/gleaner.mjs. */
function runCli(args: string[], url = gleaner.base) {
  const child = spawn(process.execPath, ["bin/gleaner.mjs", "ship", "--url", url, "--key", key, ...args], {
    cwd: PROJECT_DIR,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

/**
 * Forwards requests to Gleaner and counts those Gleaner has not answered yet:
 * after a client is killed, a request it had sent may still commit, and
 * `inFlight() === 0` says none can any more.
 */
async function countingRelay(target: string) {
  let inFlight = 0;
  const server = createServer(async (req, res) => {
    inFlight++;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const hopByHop = ["host", "connection", "content-length", "transfer-encoding"];
      const headers = Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === "string" && !hopByHop.includes(e[0]));
      const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === "GET" ? undefined : Buffer.concat(chunks) });
      const body = Buffer.from(await answer.arrayBuffer());
      // fetch has decoded the body already.
      const answerHeaders = [...answer.headers].filter(([name]) => ![...hopByHop, "content-encoding"].includes(name));
      res.writeHead(answer.status, Object.fromEntries(answerHeaders)).end(body);
    } catch {
      res.destroy(); // the client is gone (or its request never arrived whole): nothing of it reached Gleaner
    } finally {
      inFlight--;
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    inFlight: () => inFlight,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Every line of a file with its offset and the id the server derives for it. */
function linesWithIds(path: string) {
  const text = readFileSync(path);
  const found: { id: string; record: Record<string, any> }[] = [];
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf(10, start);
    const parsed = parseLine(text.subarray(start, end).toString("utf8"));
    if (parsed.ok) found.push({ id: legacyEventId(fileLabel(path), start, parsed.value), record: parsed.value as Record<string, any> });
    start = end + 1;
  }
  return found;
}

const getEvent = async (id: string) => {
  const res = await fetch(`${gleaner.base}/v1/events/${id}`, { headers: { Authorization: `Bearer ${key}` } });
  return res.status === 200 ? ((await res.json()) as { event: Record<string, any> }).event : null;
};
const storedTotal = async () =>
  ((await (await fetch(`${gleaner.base}/v1/admin/stats`, { headers: ADMIN })).json()) as { events: { total: number } }).events.total;

describe("gleaner ship against a real Gleaner", () => {
  it("ships every timestamp form, surrogate pairs and hashed text through the CLI", async () => {
    const dir = tempDir();
    const file = join(dir, "hybrid-events.jsonl");
    const hash = `sha256:${"9f".repeat(32)}`;
    const records = [
      { event_type: "context_augmented", timestamp: "2026-01-10T09:12:03.118504+00:00", agent_type: "local", context_count: 0, collections: [] },
      { event: "task_submitted", task_id: "t", backend: "aider", prompt_length: 3, timestamp: "2026-01-10T09:12:03+00:00" },
      { event: "task_submitted", task_id: "u", backend: "aider", prompt_length: 3, timestamp: "2026-01-05T17:49:37.069463" },
      inference(1, { timestamp: "2026-06-01T12:00:00.123456Z" }),
      inference(2, { timestamp: "2026-06-01T12:00:00.123456+00:00Z" }),
      {
        timestamp: 1780164119.2421105,
        event: "health_spider_cycle",
        event_type: "health_spider_cycle",
        source: "health-spider",
        zones_checked: 4,
        anomalies: 0,
        cycle_seconds: 7.9,
      },
      { ts: 1781000000.5, event_type: "workflow_step_complete", execution_id: "ex", node_id: "n", batch_id: "b", status: "completed", duration_s: 0.25 },
      inference(3, { query: "Quelle est la température ? 🔥🚀", response: "Très chaude — 40 °C 😅" }),
      {
        timestamp: "2026-08-20T10:00:01+00:00",
        event: "local_inference",
        event_type: "local_inference",
        query: hash,
        response: "[REDACTED:secrets_detected:aws_key]",
        latency_ms: 5,
      },
      inference(4, { latency_ms: Number.NaN }),
    ];
    // Python's json.dumps escapes (\ud83d\udd25) for all but one line, which holds raw UTF-8 emoji.
    const raw = JSON.stringify(inference(5, { query: "raw 🔥 bytes" }));
    writeFileSync(file, lines(records) + raw + "\n");

    const run = runCli(["--once", "--state", join(dir, "state"), file]);
    expect(await run.exited).toBe(0);
    const summary = JSON.parse(run.out().trim().split("\n").at(-1)!);
    expect(summary).toEqual({ files: 1, lines: 11, accepted: 11, duplicates: 0, rejected: 0, quarantined: 0, truncated: 0 });
    expect(run.err()).not.toMatch(/lines\/s/); // no progress in a pipe

    const shipped = linesWithIds(file);
    expect(shipped).toHaveLength(11);
    for (const { id, record } of shipped) {
      const event = await getEvent(id);
      expect(event, `stored ${id}`).not.toBeNull();
      expect(event!.timestamp).toEqual(record.timestamp ?? record.ts);
    }
    expect((await getEvent(shipped[7]!.id))!.query).toBe("Quelle est la température ? 🔥🚀");
    expect((await getEvent(shipped[7]!.id))!.response).toBe("Très chaude — 40 °C 😅");
    expect((await getEvent(shipped[10]!.id))!.query).toBe("raw 🔥 bytes");
    const scrubbed = (await getEvent(shipped[8]!.id))!;
    expect(scrubbed).not.toHaveProperty("query");
    expect(scrubbed).not.toHaveProperty("response");
    expect(scrubbed.attributes.scrubbed).toEqual({ query: "sha256", response: "redacted" });
    expect((await getEvent(shipped[6]!.id))!).toMatchObject({ outcome: "success", latency_ms: 250, session_id: "ex" });
    expect((await getEvent(shipped[9]!.id))!.attributes.latency_ms).toBe("NaN");

    const again = runCli(["--once", "--state", join(dir, "fresh-state"), file]);
    expect(await again.exited).toBe(0);
    expect(JSON.parse(again.out().trim().split("\n").at(-1)!)).toMatchObject({ lines: 11, accepted: 0, duplicates: 11 });
  });

  it("loses nothing and stores nothing twice when it dies between send and checkpoint", async () => {
    const dir = tempDir();
    const file = join(dir, "ralph-events.jsonl");
    writeFileSync(
      file,
      lines(
        Array.from({ length: 300 }, (_, i) => ({
          event: "iteration_completed",
          task_id: "crash",
          iteration: i,
          backend: "aider",
          exit_code: 0,
          timestamp: "2026-03-08T10:00:00+00:00",
        })),
      ),
    );
    const before = await storedTotal();
    const crash = new Error("crash after the acknowledgement, before the checkpoint");
    let batches = 0;
    const options = { url: gleaner.base, key, patterns: [file], stateDir: join(dir, "state"), batchLines: 100 };
    await expect(
      ship({
        ...options,
        hooks: {
          beforeCheckpoint: () => {
            if (++batches === 2) throw crash;
          },
        },
      }),
    ).rejects.toBe(crash);
    // The first batch was checkpointed; the second, and the third if it was sent while the second was in flight, are
    // stored but not checkpointed: sent again, they are duplicates.
    const sent = (await storedTotal()) - before;
    expect([200, 300]).toContain(sent);
    const { summary } = await ship(options);
    expect(summary).toMatchObject({ lines: 200, duplicates: sent - 100, accepted: 300 - sent });
    expect((await storedTotal()) - before).toBe(300);
  });

  it("survives kill -9 of the ship process mid-run: a restart completes the file exactly once", async () => {
    const dir = tempDir();
    const file = join(dir, "aidb-events.jsonl");
    const count = 6000;
    writeFileSync(
      file,
      lines(
        Array.from({ length: count }, (_, i) => ({
          timestamp: `2026-01-01T00:00:00.${String(i).padStart(6, "0")}+00:00`,
          source: "aidb",
          event_type: "skills_list",
          metadata: { n: i },
        })),
      ),
    );
    const state = join(dir, "state");
    const before = await storedTotal();
    const relay = await countingRelay(gleaner.base);
    const first = runCli(["--once", "--state", state, file], relay.url);
    await until(() => existsSync(join(state, "checkpoint.json")) || first.child.exitCode !== null, 60_000);
    first.child.kill("SIGKILL");
    await first.exited;
    // A request in flight at the kill may still commit: count once Gleaner has answered every one.
    await until(() => relay.inFlight() === 0);
    const afterKill = (await storedTotal()) - before;
    expect(afterKill).toBeLessThan(count);

    // The same URL: a state dir belongs to one server.
    const second = runCli(["--once", "--state", state, file], relay.url);
    expect(await second.exited, second.err()).toBe(0);
    await relay.close();
    const summary = JSON.parse(second.out().trim().split("\n").at(-1)!);
    expect(summary.accepted).toBe(count - afterKill);
    expect(summary.accepted + summary.duplicates).toBe(summary.lines);
    expect((await storedTotal()) - before).toBe(count);
  });
});

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyLine } from "../../cli/ship/classify";
import { fileLabel } from "../../cli/ship/label";
import { parseLine } from "../../cli/ship/lenient-json";
import { DEFAULTS } from "../../src/config";
import { splitBody, validateItems } from "../../src/domain/ingest-batch";
import { legacyEventId } from "../../src/domain/legacy";
import { redactionRules } from "../../src/domain/redaction";
import { createKey, PROJECT_DIR, startProcess, tempDataDir, type GleanerProcess } from "./gleaner-process";
import { inference, lines, pyJson, ship, tempDir } from "./ship-helpers";

const FIXTURES = resolve(PROJECT_DIR, "../shared/fixtures/legacy-telemetry");
const LIMITS = { maxEventsPerRequest: 1000, maxEventBytes: DEFAULTS.MAX_EVENT_BYTES, redaction: redactionRules({ emails: false, disabledKinds: [] }) };

/** What the server answers and stores for one item sent as `json` (an envelope or a v2 event): its result and stored JSON. */
function serverSide(json: string) {
  const items = splitBody(`{"events":[${json}]}`, "application/json");
  if (!Array.isArray(items)) throw new Error(items.message);
  const out = validateItems(items, LIMITS);
  if ("problem" in out) throw new Error(out.message);
  const [result] = out.results;
  return { status: result?.status, id: result?.id, stored: out.valid[0]?.json, clientTimeMs: out.valid[0]?.clientTimeMs };
}

/** Both forms of one line as the shipper builds them: its legacy envelope, and what it sends by default. */
function forms(text: string, file = "hybrid-events.jsonl", start = 0) {
  const raw = { start, end: start + Buffer.byteLength(text), bytes: Buffer.from(text) };
  const origin = { file, path: `/var/log/ai/${file}`, line: 1 };
  const envelope = classifyLine(raw, origin, 1 << 20, false);
  const sent = classifyLine(raw, origin, 1 << 20, true);
  return { envelope, sent };
}

/** The server stores the same event, under the same id, whichever form the line went in. */
function expectSameStored(text: string, file?: string, start?: number): boolean {
  const { envelope, sent } = forms(text, file, start);
  if (envelope.kind !== "send" || sent.kind !== "send") {
    expect(sent.kind).toBe(envelope.kind);
    return false;
  }
  const viaEnvelope = serverSide(envelope.json);
  if (sent.json === envelope.json) return false;
  const viaEvent = serverSide(sent.json);
  // Only lines the server would accept are mapped here; the others go as envelopes, for the server's own reasons.
  expect(viaEnvelope.status).toBe("accepted");
  expect(viaEvent).toEqual(viaEnvelope);
  return true;
}

const fixtureLines = existsSync(FIXTURES)
  ? readdirSync(FIXTURES)
      .filter((f) => f.endsWith(".jsonl"))
      .flatMap((f) => {
        const text = readFileSync(join(FIXTURES, f), "utf8");
        const out: { file: string; text: string; start: number }[] = [];
        for (let start = 0; start < text.length; ) {
          const end = text.indexOf("\n", start);
          const line = text.slice(start, end === -1 ? text.length : end);
          if (line.trim()) out.push({ file: f, text: line, start: Buffer.byteLength(text.slice(0, start)) });
          start = end === -1 ? text.length : end + 1;
        }
        return out;
      })
  : [];

/** Legacy records of every producer's shape, with the odd values real files hold. */
const odd = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -0,
    1.5,
    2 ** 53,
    "",
    "sha256:" + "ab".repeat(32),
    "[REDACTED:secrets_detected:aws_key]",
    '{"a": 1}',
    "Bearer abcdefghijklmnop1234",
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const record = fc.oneof(
  fc.record(
    {
      event_type: fc.constantFrom("local_inference", "context_augmented", "agent_step_complete", "harness_eval", "skills_list", "queue_lock_contention"),
      timestamp: fc.constantFrom("2026-06-01T12:00:00.123456Z", "2026-06-01T12:00:00+00:00Z", "2026-01-05T17:49:37.069463", 1780164119.2421105, "yesterday"),
      query: odd,
      response: odd,
      model: odd,
      latency_ms: odd,
      tokens_in: odd,
      source: fc.constantFrom("aidb", "health-spider", "delegate-direct", ""),
      passed: fc.boolean(),
      acquired: fc.boolean(),
      metadata: fc.dictionary(fc.string({ maxLength: 4 }), odd, { maxKeys: 3 }),
      legacy: odd,
    },
    { requiredKeys: ["event_type", "timestamp"] },
  ),
  fc.record(
    {
      event: fc.constantFrom("task_submitted", "iteration_completed", "task_completed", "health_spider_cycle"),
      task_id: odd,
      status: fc.constantFrom("completed", "failed", "stopped"),
      exit_code: fc.constantFrom(0, 1, 2),
      total_iterations: fc.integer({ min: 0, max: 5 }),
      adaptive_limit_used: fc.integer({ min: 0, max: 5 }),
      task: fc.record({ prompt: odd, output: odd }),
      timestamp: fc.constantFrom("2026-01-05T17:49:37.079946", 1780164119.5),
    },
    { requiredKeys: ["event"] },
  ),
  fc.record({
    ts: fc.double({ min: 1e9, max: 2e9, noNaN: true }),
    event_type: fc.constant("workflow_step_complete"),
    duration_s: odd,
    status: odd,
    execution_id: odd,
  }),
  fc.record({
    extension: fc.string(),
    is_local: fc.boolean(),
    success: fc.boolean(),
    user_feedback: fc.constantFrom(-1, 0, 1, 2),
    model_used: odd,
    timestamp: fc.constant("2026-01-01T00:00:00Z"),
    event_type: fc.constant("completion"),
  }),
);
/** Line texts as the producers write them, and with what json.dumps can also write: bare NaN, huge exponents, lone surrogates, `__proto__`. */
const lineText = fc.oneof(
  record.map((r) => pyJson(r)),
  record.map((r) => JSON.stringify(r)),
  fc
    .tuple(
      record,
      fc.constantFrom(
        '"latency_ms": NaN',
        '"latency_ms": 1e400',
        '"query": "\\ud83d"',
        '"__proto__": {"x": 1}',
        '"metadata": {"__proto__": 1}',
        '"query": "-0"',
        '"latency_ms": -0',
      ),
    )
    .map(([r, extra]) => `${pyJson(r).slice(0, -1)}, ${extra}}`),
);

describe("gleaner ship: legacy lines mapped before sending", () => {
  it("stores every fixture line exactly as the server's own mapping stores its envelope, under the same id", () => {
    let mapped = 0;
    for (const l of fixtureLines) if (expectSameStored(l.text, l.file, l.start)) mapped++;
    // The worker's share of the work drops only if (nearly) every line goes mapped.
    if (fixtureLines.length > 0) expect(mapped / fixtureLines.length).toBeGreaterThan(0.95);
  });

  it("stores the same for any legacy line, or sends it as its envelope", () => {
    let mapped = 0;
    fc.assert(
      fc.property(lineText, fc.nat({ max: 10_000_000 }), (text, offset) => {
        if (expectSameStored(text, "ralph-events.jsonl", offset)) mapped++;
      }),
      { numRuns: 3000 },
    );
    expect(mapped).toBeGreaterThan(300);
  });

  it("sends as envelopes what the mapping refuses, holds a __proto__ key, or nests deep", () => {
    const envelopes = [
      '{"event_type": "x"}',
      '{"event_type": "x", "timestamp": "2026-01-01T00:00:00Z", "__proto__": {"a": 1}}',
      '{"event_type": "x", "timestamp": "2026-01-01T00:00:00Z", "metadata": {"__proto__": {"a": 1}}}',
    ];
    let deep = "1";
    for (let i = 0; i < 28; i++) deep = `{"a": ${deep}}`;
    envelopes.push(`{"event_type": "x", "timestamp": "2026-01-01T00:00:00Z", "deep": ${deep}}`);
    for (const text of envelopes) {
      const { envelope, sent } = forms(text);
      expect(sent).toEqual(envelope);
      expect(JSON.parse((sent as { json: string }).json).schema_version).toBe("legacy");
    }
  });
});

describe("gleaner ship: mapped lines against a real Gleaner", () => {
  let gleaner: GleanerProcess;
  let key: string;

  beforeAll(async () => {
    gleaner = await startProcess(tempDataDir());
    key = await createKey(gleaner.base, "ship-upcast");
  });

  afterAll(async () => {
    gleaner?.child.kill("SIGINT");
    await gleaner?.exited;
  });

  it("counts a line shipped as an envelope, then mapped (an upgrade), and the other way round, as a duplicate", async () => {
    const dir = tempDir();
    const file = join(dir, "hybrid-events.jsonl");
    const records = [
      ...Array.from({ length: 30 }, (_, n) => inference(n)),
      { event: "task_submitted", task_id: "t", backend: "aider", timestamp: "2026-01-05T17:49:37.069463" },
    ];
    writeFileSync(file, lines(records));
    const first = await ship({ url: gleaner.base, key, patterns: [file], stateDir: join(dir, "a"), upcast: false, batchLines: 7 });
    expect(first.summary).toMatchObject({ lines: 31, accepted: 31, duplicates: 0 });
    const again = await ship({ url: gleaner.base, key, patterns: [file], stateDir: join(dir, "b"), upcast: true, batchLines: 7 });
    expect(again.summary).toMatchObject({ lines: 31, accepted: 0, duplicates: 31 });

    const other = join(dir, "ralph-events.jsonl");
    writeFileSync(other, lines(records));
    expect((await ship({ url: gleaner.base, key, patterns: [other], stateDir: join(dir, "c"), upcast: true })).summary).toMatchObject({ accepted: 31 });
    expect((await ship({ url: gleaner.base, key, patterns: [other], stateDir: join(dir, "d"), upcast: false })).summary).toMatchObject({ duplicates: 31 });

    // The stored event is the one the server's own mapping gives (checked above) under the id the line always had.
    const text = readFileSync(other, "utf8").split("\n")[0]!;
    const parsed = parseLine(text);
    const id = legacyEventId(fileLabel(other), 0, parsed.ok ? parsed.value : null);
    const res = await fetch(`${gleaner.base}/v1/events/${id}`, { headers: { Authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { event: { attributes: { legacy: { upcaster: string } } } }).event.attributes.legacy.upcaster).toBe(
      "direct-local-inference@1",
    );
  });
});

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { legacyEventId } from "../../src/domain/legacy";
import { Shipper, type LineOutcome, type ShipOptions, type ShipSummary } from "../../cli/ship/shipper";

export function tempDir(prefix = "gleaner-ship-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Serialises like Python's json.dumps defaults, as the legacy producers do:
 * ", " and ": " separators, non-ASCII escaped as \uXXXX (emoji as surrogate
 * pairs), NaN and Infinity as bare literals.
 */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return String(value);
  }
  if (typeof value === "string") return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (Array.isArray(value)) return `[${value.map(pyJson).join(", ")}]`;
  if (typeof value === "object")
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyJson(k)}: ${pyJson(v)}`)
      .join(", ")}}`;
  return String(value);
}

/** A local_inference record numbered n, as the direct writers produce it. */
export function inference(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_type: "local_inference",
    timestamp: `2026-06-01T12:00:${String(n % 60).padStart(2, "0")}.${String(n).padStart(6, "0")}Z`,
    query: `question ${n}`,
    response: `answer ${n}`,
    model: "local",
    latency_ms: n,
    ...extra,
  };
}

export const lines = (records: Record<string, unknown>[]) => records.map((r) => `${pyJson(r)}\n`).join("");

interface Envelope {
  origin: { file: string; offset: number; line?: number; path?: string };
  record: Record<string, unknown>;
}

/** What a fake endpoint answers to one request; undefined means "behave like Gleaner". */
export type Scripted = { status?: number; headers?: Record<string, string>; body?: unknown; delayMs?: number } | undefined;

/**
 * A stand-in for Gleaner's /v1/events for fault injection: it stores
 * envelopes by the same derived id as the server (so duplicates are
 * detected the same way) unless `script` answers a request with a status
 * first (after `delayMs`, if given).
 */
export async function startFakeGleaner(script: (request: number, events: Envelope[]) => Scripted = () => undefined) {
  const stored = new Map<string, Envelope>();
  const arrivals: Envelope[] = [];
  const requests: { at: number; count: number; auth: string | undefined }[] = [];
  /** Requests being answered now, and the most at once. */
  const load = { now: 0, max: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", async () => {
      const events = (JSON.parse(body) as { events: Envelope[] }).events;
      requests.push({ at: Date.now(), count: events.length, auth: req.headers.authorization });
      const answer = script(requests.length, events);
      load.max = Math.max(load.max, ++load.now);
      if (answer?.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      load.now--;
      if (answer?.status) {
        res.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers });
        res.end(JSON.stringify(answer.body ?? {}));
        return;
      }
      const results = events.map((e, index) => {
        arrivals.push(e);
        const id = legacyEventId(e.origin.file, e.origin.offset, e.record);
        if (stored.has(id)) return { index, id, status: "duplicate" };
        stored.set(id, e);
        return { index, id, status: "accepted" };
      });
      res.writeHead(202, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ results }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    stored,
    arrivals,
    requests,
    load,
    /** The records stored, in arrival order. */
    records: () => [...stored.values()].map((e) => e.record),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type FakeGleaner = Awaited<ReturnType<typeof startFakeGleaner>>;

/** Starts the shipper in this process with fast test settings; `done` gives the summary and every line's fate. */
export function startShip(options: Partial<ShipOptions> & Pick<ShipOptions, "url" | "patterns" | "stateDir">) {
  const outcomes: LineOutcome[] = [];
  const logs: string[] = [];
  const shipper = new Shipper({
    key: "test-key",
    once: true,
    // The fake server reads legacy envelopes; the mapped form is tested against the real one (ship-upcast.test.ts, ship-e2e.test.ts).
    upcast: false,
    pollMs: 20,
    rotationGraceMs: 100,
    retry: { baseMs: 5, maxMs: 50 },
    log: (m) => logs.push(m),
    onLine: (o) => outcomes.push(o),
    ...options,
  });
  const done = shipper.run().then((summary: ShipSummary) => ({ summary, outcomes, logs }));
  return { shipper, outcomes, done };
}

/** Runs the shipper to completion (--once unless told otherwise). */
export function ship(options: Partial<ShipOptions> & Pick<ShipOptions, "url" | "patterns" | "stateDir">) {
  return startShip(options).done;
}

export const until = async (check: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

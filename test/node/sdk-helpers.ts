import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { resolve } from "node:path";
import { splitBody, validateItems } from "../../src/domain/ingest-batch";
import { isProblem } from "../../src/domain/problem";
import { createGleanerClient, type GleanerClientOptions } from "../../sdk/src/index";

export const FAKE_KEY = "gl_test_key";

/**
 * A scripted answer for the next `POST /v1/events`: a status (with headers and
 * body), or a dropped connection, before or after storing the events (the
 * second is a 2xx lost on the way back).
 */
export type Fault = { status: number; headers?: Record<string, string>; body?: unknown } | { drop: "before_storing" | "after_storing" };

export interface SeenRequest {
  path: string;
  at: number;
  status: number | "dropped";
  events: number;
}

/**
 * A stand-in for Gleaner speaking the real ingest contract, for fault
 * injection: it validates with the service's own domain code
 * (`splitBody` + `validateItems`), enforces the same limits, deduplicates on
 * the event id and answers 202/207/400/413 with the same bodies. `faults` are
 * answered first, one per request; `stop()`/`restart()` take the port away
 * and give it back.
 */
export class FakeGleaner {
  /** Every stored event by id. */
  readonly stored = new Map<string, Record<string, unknown>>();
  /** How often each id was answered "accepted": exactly once for every stored event. */
  readonly acceptedTimes = new Map<string, number>();
  readonly requests: SeenRequest[] = [];
  readonly feedback: Array<Record<string, unknown>> = [];
  faults: Fault[] = [];
  /** Wait this long before answering each events request (holds batches in flight). */
  delayMs = 0;
  limits = { maxBodyBytes: 5 * 1024 * 1024, maxEventsPerRequest: 1000, maxEventBytes: 64 * 1024 };
  #server: Server;
  #sockets = new Set<Socket>();
  port = 0;

  private constructor() {
    this.#server = this.#createServer();
  }

  static async start(): Promise<FakeGleaner> {
    const fake = new FakeGleaner();
    await fake.#listen(0);
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Ids stored, in arrival order. */
  ids(): string[] {
    return [...this.stored.keys()];
  }

  eventRequests(): SeenRequest[] {
    return this.requests.filter((r) => r.path === "/v1/events");
  }

  /** Closes the port and cuts every open connection: clients now get "connection refused". */
  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    this.#server = this.#createServer();
    await this.#listen(this.port);
  }

  async close(): Promise<void> {
    if (this.#server.listening) await this.stop();
  }

  #createServer(): Server {
    const server = createServer((req, res) => void this.#handle(req, res));
    server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    return server;
  }

  #listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, "127.0.0.1", () => {
        this.port = (this.#server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? "";
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const seen: SeenRequest = { path, at: Date.now(), status: 0, events: 0 };
    this.requests.push(seen);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      seen.status = status;
      res.writeHead(status, { "Content-Type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: string, message: string, details: unknown = null, headers?: Record<string, string>) =>
      answer(status, { error: { code, message, details } }, headers);

    if (req.headers.authorization !== `Bearer ${FAKE_KEY}`) return error(401, "unauthorized", "invalid API key");
    if (path === "/v1/feedback") return this.#feedback(raw, answer, error);
    if (path !== "/v1/events" || req.method !== "POST") return error(404, "not_found", `no route for ${req.method} ${path}`);

    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const fault = this.faults.shift();
    if (fault && "drop" in fault && fault.drop === "before_storing") {
      seen.status = "dropped";
      req.socket.destroy();
      return;
    }
    if (fault && "status" in fault)
      return answer(fault.status, fault.body ?? { error: { code: "injected", message: "injected fault", details: null } }, fault.headers);

    if (raw.length > this.limits.maxBodyBytes) {
      return error(413, "payload_too_large", `the body exceeds the limit of ${this.limits.maxBodyBytes} bytes`);
    }
    const items = splitBody(raw.toString("utf8"), req.headers["content-type"] ?? "");
    if (!Array.isArray(items)) return error(problemStatus(items.problem), items.problem, items.message);
    seen.events = items.length;
    const validated = validateItems(items, {
      maxEventsPerRequest: this.limits.maxEventsPerRequest,
      maxEventBytes: this.limits.maxEventBytes,
      redaction: [],
    });
    if (isProblem(validated)) return error(problemStatus(validated.problem), validated.problem, validated.message);
    const results = validated.results.map((r) => {
      if (r.status !== "accepted") return r;
      if (this.stored.has(r.id)) return { ...r, status: "duplicate" as const };
      const valid = validated.valid.find((v) => v.index === r.index)!;
      this.stored.set(r.id, JSON.parse(valid.json) as Record<string, unknown>);
      this.acceptedTimes.set(r.id, (this.acceptedTimes.get(r.id) ?? 0) + 1);
      return r;
    });
    const rejected = results.filter((r) => r.status === "rejected").length;
    const summary = {
      accepted: results.filter((r) => r.status === "accepted").length,
      duplicates: results.filter((r) => r.status === "duplicate").length,
      rejected,
      results,
    };
    if (fault) {
      seen.status = "dropped";
      req.socket.destroy();
      return;
    }
    if (rejected === 0) return answer(202, summary);
    if (rejected === results.length) return error(400, "no_valid_events", "no event in the request was valid; see details.results", summary);
    return answer(207, summary);
  }

  #feedback(
    raw: Buffer,
    answer: (status: number, body: unknown) => void,
    error: (status: number, code: string, message: string, details?: unknown) => void,
  ): void {
    const body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    const errors: Array<{ path: string; message: string }> = [];
    if (![-1, 0, 1].includes(body.rating as number)) errors.push({ path: "rating", message: "must be -1, 0 or 1" });
    if ((body.event_id === undefined) === (body.interaction_id === undefined)) {
      errors.push({ path: "event_id", message: "give exactly one of event_id or interaction_id" });
    }
    if (errors.length > 0) {
      error(400, "validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), { errors });
      return;
    }
    const id = typeof body.id === "string" ? body.id : `fb_${JSON.stringify([body.event_id, body.interaction_id, body.rating])}`;
    const duplicate = this.feedback.some((f) => f.id === id);
    if (!duplicate) this.feedback.push({ ...body, id });
    answer(202, { id, status: duplicate ? "duplicate" : "accepted", matched_events: 0 });
  }
}

/** Fast retry settings so fault tests take milliseconds, not seconds. */
export const FAST_RETRY = { initialDelayMs: 10, maxDelayMs: 50 };

/** A client for the fake with test-friendly timers; a long flush interval unless a test is about timing. */
export function clientFor(fake: FakeGleaner, options: Partial<GleanerClientOptions> = {}) {
  return createGleanerClient({
    url: fake.url,
    key: FAKE_KEY,
    source: "sdk-test",
    flushIntervalMs: 60_000,
    retry: FAST_RETRY,
    onError: () => {},
    ...options,
  });
}

/** Polls until `check` returns true. */
/** A `fetch` that counts the connections refused (the fake is down): tests wait for a count, not for time. */
export function countingRefusals(): { fetch: typeof fetch; readonly count: number } {
  let count = 0;
  return {
    fetch: async (input, init) => {
      try {
        return await fetch(input, init);
      } catch (err) {
        count++;
        throw err;
      }
    },
    get count() {
      return count;
    },
  };
}

export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const event = (n: number, extra: Record<string, unknown> = {}) => ({ type: "agent_step_complete", query: `question ${n}`, ...extra });

/** A port free right now, for a service that must come back on the same URL after a restart. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createNetServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => ok(port));
    });
  });
}

const SDK_NODE_ENTRY = resolve(import.meta.dirname, "../../sdk/src/node.ts");

/**
 * A producer in its own process: tracks `count` events into a file journal,
 * prints their ids once every track() has resolved (so they are on disk), then
 * keeps sending and retrying until it is killed.
 */
const PRODUCER = `
import { createGleanerClient, fileJournal } from ${JSON.stringify(SDK_NODE_ENTRY)};
const client = createGleanerClient({
  url: process.env.GLEANER_URL, key: process.env.GLEANER_KEY, source: "crash-producer",
  batchMaxEvents: Number(process.env.BATCH), flushIntervalMs: 60000, retry: { initialDelayMs: 10, maxDelayMs: 20 },
  journal: fileJournal(process.env.JOURNAL), onError: () => {},
});
const ids = [];
for (let i = 0; i < Number(process.env.COUNT); i++) ids.push(await client.track({ type: "agent_step_complete", query: "q" + i }));
console.log(JSON.stringify(ids));
setInterval(() => {}, 1000);
`;

export function startProducer(options: { url: string; key: string; journal: string; count: number; batchMaxEvents: number }) {
  const env = {
    GLEANER_URL: options.url,
    GLEANER_KEY: options.key,
    JOURNAL: options.journal,
    COUNT: String(options.count),
    BATCH: String(options.batchMaxEvents),
  };
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", PRODUCER], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ids = new Promise<string[]>((ok, fail) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) ok(JSON.parse(out.split("\n")[0]!) as string[]);
    });
    child.on("exit", (code) => fail(new Error(`producer exited (${code}) before printing its ids`)));
  });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_code, signal) => r(signal)));
  return { child, ids, exited };
}

/** The statuses src/routes/errors.ts gives the body problems this fake can meet. */
function problemStatus(code: string): number {
  return code === "too_many_events" ? 413 : code === "unsupported_media_type" ? 415 : 400;
}

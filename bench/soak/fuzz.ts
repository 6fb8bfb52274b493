import { request, Agent } from "node:http";
import fc from "fast-check";
import { createKey } from "../lib/client";
import { startGleaner, stopGleaner, tempDir } from "../lib/gleaner";
import { badPayload, type BadPayload } from "./fuzz-payloads";

export interface FuzzResult {
  payloads: number;
  seconds: number;
  byKind: Record<string, Record<string, number>>;
  serverErrors: number;
  /** 4xx answers without `{ error: { code, message } }`, or rejections without a path and a message. */
  unexplained: number;
  /** Rejected events whose error names no field (path ""): the event as a whole (not an object, too big). */
  wholeEventRejections: number;
  fieldRejections: number;
  /** Bad payloads answered 2xx (e.g. invalid UTF-8 replaced by U+FFFD and stored). */
  accepted2xx: number;
  networkErrors: number;
  crashed: boolean;
  samples: { kind: string; status: number; answer: string }[];
  serverLog: string[];
  ok: boolean;
}

interface Rejection {
  status: string;
  errors?: { path?: unknown; message?: unknown }[];
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const guarded = new WeakSet<object>();

/** Sends raw bytes with exactly the given content type (none when absent); oversized ones half of the time without a length. */
function send(url: URL, key: string, p: BadPayload, chunked: boolean, fresh = false): Promise<{ status: number; body: string }> {
  const bytes = typeof p.body === "string" ? Buffer.from(p.body) : Buffer.from(p.body);
  return new Promise((ok) => {
    const headers: Record<string, string | number> = { Authorization: `Bearer ${key}` };
    if (p.contentType) headers["Content-Type"] = p.contentType;
    if (!chunked) headers["Content-Length"] = bytes.length;
    const req = request(url, { method: "POST", headers, agent: fresh ? false : agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => ok({ status: res.statusCode ?? 0, body }));
      res.on("error", () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", () => ok({ status: 0, body: "" }));
    // The server may answer 413 and close while the body is still being written.
    req.on("socket", (socket) => {
      if (!guarded.has(socket)) socket.on("error", () => undefined);
      guarded.add(socket);
    });
    if (chunked) {
      for (let o = 0; o < bytes.length; o += 64 * 1024) req.write(bytes.subarray(o, o + 64 * 1024));
      req.end();
    } else req.end(bytes);
  });
}

/** Checks an answer explains itself: the error shape for 4xx, a path and a message for every rejected event. */
function explain(status: number, text: string): { explained: boolean; whole: number; fields: number } {
  let body: { error?: { code?: unknown; message?: unknown; details?: { results?: Rejection[] } }; results?: Rejection[] };
  try {
    body = JSON.parse(text);
  } catch {
    return { explained: false, whole: 0, fields: 0 };
  }
  if (status >= 400 && !(typeof body.error?.code === "string" && body.error.code && typeof body.error.message === "string" && body.error.message)) {
    return { explained: false, whole: 0, fields: 0 };
  }
  const results = body.results ?? body.error?.details?.results ?? [];
  let whole = 0;
  let fields = 0;
  for (const r of results.filter((x) => x.status === "rejected")) {
    if (!r.errors?.length) return { explained: false, whole, fields };
    for (const e of r.errors) {
      if (typeof e.path !== "string" || typeof e.message !== "string" || e.message === "") return { explained: false, whole, fields };
      if (e.path === "") whole++;
      else fields++;
    }
  }
  return { explained: true, whole, fields };
}

/**
 * Fuzz: `count` fast-check-generated bad requests (seeded) against POST
 * /v1/events of a running Gleaner, 8 at a time. Passes with no 5xx, the
 * process alive and answering /healthz after, and every 4xx and every
 * rejected event explained (code + message; path + message).
 */
export async function fuzzIngest(count: number, seed = 11): Promise<FuzzResult> {
  const g = await startGleaner(tempDir("gleaner-bench-fuzz-"));
  const started = Date.now();
  const result: FuzzResult = {
    payloads: count,
    seconds: 0,
    byKind: {},
    serverErrors: 0,
    unexplained: 0,
    wholeEventRejections: 0,
    fieldRejections: 0,
    accepted2xx: 0,
    networkErrors: 0,
    crashed: false,
    samples: [],
    serverLog: [],
    ok: false,
  };
  let exited = false;
  void g.exited.then(() => (exited = true));
  try {
    const key = await createKey(g.base, "bench-fuzz");
    const url = new URL(`${g.base}/v1/events`);
    const payloads = fc.sample(badPayload, { numRuns: count, seed });
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < payloads.length && !exited) {
          const i = next++;
          const p = payloads[i]!;
          const chunked = p.kind === "oversized_body" && i % 2 === 0;
          let { status, body } = await send(url, key, p, chunked);
          // A kept-alive connection the server closed after an earlier 413: try once on a new one.
          if (status === 0) ({ status, body } = await send(url, key, p, chunked, true));
          const kind = (result.byKind[p.kind] ??= {});
          kind[status] = (kind[status] ?? 0) + 1;
          if (status === 0) {
            result.networkErrors++;
            continue;
          }
          if (status >= 500) result.serverErrors++;
          if (status >= 200 && status < 300) result.accepted2xx++;
          const e = explain(status, body);
          result.wholeEventRejections += e.whole;
          result.fieldRejections += e.fields;
          if (!e.explained || status >= 500) {
            if (!e.explained) result.unexplained++;
            if (result.samples.length < 10) result.samples.push({ kind: p.kind, status, answer: body.slice(0, 300) });
          }
        }
      }),
    );
    const health = await fetch(`${g.base}/healthz`).then((r) => r.status).catch(() => 0);
    result.crashed = exited || health !== 200;
  } finally {
    result.seconds = (Date.now() - started) / 1000;
    result.serverLog = g.output().split("\n").filter((l) => l.includes('"level":"error"')).slice(0, 5).map((l) => l.slice(0, 400));
    await stopGleaner(g);
  }
  // A 413 may close the connection before the client has written the whole body: that is the refusal, not a crash.
  result.ok = result.serverErrors === 0 && !result.crashed && result.unexplained === 0;
  return result;
}

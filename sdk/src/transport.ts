import { backoffDelay, parseRetryAfter, sleep, unref } from "./backoff.js";
import { GleanerError } from "./errors.js";
import type { RetryPolicy } from "./options.js";

/** Where and how requests go; `signal` aborts everything when the client closes. */
export interface Connection {
  url: string;
  key: string;
  fetch: typeof fetch;
  requestTimeoutMs: number;
  retry: RetryPolicy;
  signal: AbortSignal;
}

/** A final (not retryable) answer: its status and its JSON body, when it had one. */
export interface Answer {
  status: number;
  body: unknown;
}

/** Statuses that say "not now": retried. Every other 4xx is final. */
function isRetryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * POSTs a JSON body until the server gives a final answer. Network errors,
 * timeouts, 408, 425, 429 and 5xx are retried with exponential backoff and
 * jitter; a Retry-After header sets the wait (never less than asked, plus up
 * to 20% so that throttled producers do not return all at once).
 * Resending is safe because every write is idempotent on its id.
 */
export async function postWithRetry(conn: Connection, path: string, body: string): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    let wait: number;
    try {
      const { status, retryAfter, body: answerBody } = await postOnce(conn, path, body);
      if (!isRetryable(status)) return { status, body: answerBody };
      const asked = parseRetryAfter(retryAfter);
      wait = asked === undefined ? backoffDelay(attempt, conn.retry) : Math.min(conn.retry.maxRetryAfterMs, asked) * (1 + Math.random() * 0.2);
    } catch (_err) {
      if (conn.signal.aborted) throw conn.signal.reason;
      wait = backoffDelay(attempt, conn.retry);
    }
    await sleep(wait, conn.signal);
  }
}

async function postOnce(conn: Connection, path: string, body: string): Promise<{ status: number; retryAfter: string | null; body: unknown }> {
  const attempt = new AbortController();
  const timer = setTimeout(() => attempt.abort(new Error("request timed out")), conn.requestTimeoutMs);
  unref(timer);
  const stop = () => attempt.abort(conn.signal.reason);
  conn.signal.addEventListener("abort", stop, { once: true });
  try {
    const res = await conn.fetch(`${conn.url}${path}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${conn.key}`, "Content-Type": "application/json" },
      body,
      signal: attempt.signal,
    });
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get("Retry-After"), body: parseJson(text) };
  } finally {
    clearTimeout(timer);
    conn.signal.removeEventListener("abort", stop);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The error for a final answer that is not a success: the server's code and message when it sent them. */
export function refusal(answer: Answer, what: string): GleanerError {
  const error = (answer.body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${answer.status}`;
  const message = typeof error?.message === "string" ? error.message : "unexpected answer";
  return new GleanerError(`${what}: ${answer.status} ${code}: ${message}`, code, answer.status, error?.details);
}

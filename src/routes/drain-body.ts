import { createMiddleware } from "hono/factory";

/**
 * The most of a request body Gleaner reads only to throw it away. Past it the connection is closed on the rest, and
 * the client may see the connection reset instead of the answer.
 */
export const MAX_DISCARDED_BODY_BYTES = 16 * 1024 * 1024;

/** Reads `reader` to its end and drops what it reads, up to `cap` bytes (then cancels it). */
export async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, cap = MAX_DISCARDED_BODY_BYTES): Promise<void> {
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
      if (read > cap) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // The client went away: nothing left to read.
  }
}

/**
 * Reads to the end, and drops, a request body the route answered without reading (a 401 before the key is
 * checked, a 429 under backpressure, a 413 by Content-Length), before the answer leaves. workerd closes a
 * connection whose request body was left unread, and a client still writing that body gets ECONNRESET instead of
 * the answer: a clear 401 or 413 became "fetch failed" for bodies of a few MB.
 */
export const drainUnreadBody = createMiddleware(async (c, next) => {
  await next();
  const body = c.req.raw.body;
  if (!body || c.req.raw.bodyUsed || body.locked) return;
  const declared = Number(c.req.header("Content-Length") ?? "NaN");
  if (declared > MAX_DISCARDED_BODY_BYTES) return;
  await discardRest(body.getReader());
});

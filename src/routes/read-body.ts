import { discardRest } from "./drain-body";
import { ApiError } from "./errors";

function tooLarge(limit: number): ApiError {
  return new ApiError(413, "payload_too_large", `the body exceeds the limit of ${limit} bytes`, { limit_bytes: limit });
}

/**
 * Reads a request body as text, refusing it with 413 as soon as it passes
 * `limit` bytes: first by Content-Length (before reading anything), then while
 * streaming, for bodies sent without a length.
 */
export async function readBodyWithin(req: Request, limit: number): Promise<string> {
  const encoding = (req.headers.get("Content-Encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "identity" && encoding !== "") {
    throw new ApiError(415, "unsupported_content_encoding", `Content-Encoding ${encoding} is not supported: send the body uncompressed`);
  }
  const declared = Number(req.headers.get("Content-Length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!req.body) return "";
  // fatal: invalid UTF-8 is refused, never silently turned into U+FFFD and stored.
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  if (Number.isFinite(declared)) {
    // A declared length within the limit bounds what the runtime reads: one native read, one decode.
    const bytes = await req.arrayBuffer();
    if (bytes.byteLength > limit) throw tooLarge(limit);
    return decodeOrRefuse(() => decoder.decode(bytes));
  }
  const reader = req.body.getReader();
  let received = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limit) {
      // Read to the end (bounded) before answering, so the client reads the 413 rather than a reset (drain-body.ts).
      await discardRest(reader);
      throw tooLarge(limit);
    }
    text += decodeOrRefuse(() => decoder.decode(value, { stream: true }));
  }
  return text + decodeOrRefuse(() => decoder.decode());
}

function decodeOrRefuse(decode: () => string): string {
  try {
    return decode();
  } catch {
    throw new ApiError(400, "invalid_utf8", "the body is not valid UTF-8");
  }
}

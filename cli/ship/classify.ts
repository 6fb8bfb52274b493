import { parseLine } from "./lenient-json";
import type { RawLine } from "./line-reader";
import { type LineEnvelope, upcastForServer } from "./upcast";

/** Where a line came from, as sent in the envelope's `origin`. */
export interface LineOrigin {
  file: string;
  path: string;
  line: number;
}

/** A line to send: a legacy envelope, or (`upcast`) the v2 event the server would map it to; `record` is the line as parsed, for reports. */
export type ClassifiedLine = { kind: "send"; json: string; record: object; type?: string } | { kind: "quarantine"; reason: string; text: string };

const decoder = new TextDecoder("utf-8");

/**
 * Turns one complete line into a legacy envelope to send, or a reason to
 * quarantine it: over-long, blank, not JSON (NaN/Infinity are tolerated), or
 * JSON that is not an object. With `upcast`, a line the server's mapping
 * takes as it is goes as the v2 event it maps to (see upcastForServer), which
 * costs the worker about half of mapping it there; validation stays the server's job.
 */
export function classifyLine(raw: RawLine, origin: LineOrigin, maxLineBytes: number, upcast = false): ClassifiedLine {
  let text = decoder.decode(raw.bytes);
  if (raw.tooLong !== undefined) {
    return { kind: "quarantine", reason: `line is ${raw.tooLong} bytes; the limit is ${maxLineBytes}`, text };
  }
  if (text.endsWith("\r")) text = text.slice(0, -1);
  if (raw.start === 0 && text.startsWith("\uFEFF")) text = text.slice(1);
  if (text.trim() === "") return { kind: "quarantine", reason: "blank line", text };
  const parsed = parseLine(text);
  if (!parsed.ok) return { kind: "quarantine", reason: parsed.reason, text };
  const record = parsed.value;
  if (typeof record !== "object" || record === null || Array.isArray(record)) {
    return { kind: "quarantine", reason: "not a JSON object", text };
  }
  const envelope: LineEnvelope = {
    schema_version: "legacy",
    origin: { file: origin.file, offset: raw.start, line: origin.line, path: origin.path },
    record,
  };
  const { event, event_type: eventType } = record as { event?: unknown; event_type?: unknown };
  const type = typeof event === "string" ? event : typeof eventType === "string" ? eventType : undefined;
  // The record is what a report of the line shows (rejects file): the same whichever form was sent.
  const send = (json: string): ClassifiedLine => (type === undefined ? { kind: "send", json, record } : { kind: "send", json, record, type });
  const mapped = upcast ? upcastForServer(envelope) : null;
  if (mapped !== null) return send(mapped);
  try {
    return send(JSON.stringify(envelope));
  } catch (e) {
    return { kind: "quarantine", reason: `cannot be re-serialised: ${(e as Error).message}`, text };
  }
}

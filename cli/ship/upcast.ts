import { createHash } from "node:crypto";
import { checkEventV2 } from "../../src/domain/event-v2-check";
import { upcastLegacyEnvelope } from "../../src/domain/legacy";
import { isWellFormed } from "../../src/domain/strict-json";

/** Node's own SHA-256: the digests of the worker's JS one (src/domain/legacy/sha256.ts), several times faster. */
const nodeSha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Mapped events stay far under the server's own limits (event size, nesting), so it never refuses one the envelope would not be. */
const MAX_UPCAST_CHARS = 32 * 1024;
const MAX_RECORD_DEPTH = 20;

/**
 * True when a parsed record is plain JSON the server reads back unchanged
 * from its envelope's text: no `-0` or infinite number (JSON writes them as
 * `0` and `null`), no lone surrogate (the server repairs those), no
 * `__proto__` key (the server refuses those), nesting well under the limit.
 */
function plainJson(value: unknown, depth: number): boolean {
  if (typeof value === "string") return isWellFormed(value);
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== "object" || value === null) return true;
  if (depth >= MAX_RECORD_DEPTH) return false;
  if (Array.isArray(value)) return value.every((v) => plainJson(v, depth + 1));
  for (const key in value) {
    if (key === "__proto__" || !isWellFormed(key) || !plainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

export interface LineEnvelope {
  schema_version: "legacy";
  origin: { file: string; offset: number; line: number; path: string };
  record: object;
}

/**
 * The v2 event, as JSON, that the server would store for this legacy
 * envelope, mapped here instead of in the worker (which then validates and
 * scrubs it as any v2 event); or null when the line must go as the envelope.
 *
 * It is the server's own mapping (src/domain/legacy: the same id, so a line
 * shipped either way is one event, and shipped again the other way a
 * duplicate) followed by the v2 schema's output, as the server validates it.
 * It is used only where the server's answer cannot differ from its answer to
 * the envelope: a record that is plain JSON (see plainJson), a mapping the
 * schema accepts as it is, an event far from the size limit. Every other line,
 * and every line the mapping refuses, goes as the envelope, so the server's
 * reasons for a refusal stay its own.
 *
 * @example
 * upcastForServer({ schema_version: "legacy", origin: { file: "ralph-events.jsonl", offset: 0, line: 1, path }, record })
 */
export function upcastForServer(envelope: LineEnvelope): string | null {
  try {
    if (!plainJson(envelope.record, 1)) return null;
    const upcast = upcastLegacyEnvelope(envelope, nodeSha256);
    if (!upcast.ok) return null;
    const checked = checkEventV2(upcast.event);
    if (!checked) return null;
    const json = JSON.stringify(checked.event);
    return json.length > MAX_UPCAST_CHARS ? null : json;
  } catch {
    // A mapping that fails here is the server's to report: the line goes as its envelope.
    return null;
  }
}

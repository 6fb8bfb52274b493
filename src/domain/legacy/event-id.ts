import { sha256Hex } from "./sha256";

/**
 * JSON with object keys sorted at every level, so two parses of the same line
 * serialise identically whatever the producer's key order. Lone surrogates are
 * escaped by JSON.stringify, so the text is always well-formed.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The id of a legacy record that carries none: `legacy-` and the SHA-256 of its
 * file label, byte offset and canonical JSON. Re-reading the same line (after a
 * crash, a restart without state, or through a rotated name with the same label)
 * gives the same id, so the server answers "duplicate" instead of storing it twice.
 */
export function legacyEventId(file: string, offset: number, record: unknown, sha256: Sha256 = sha256Hex): string {
  const text = `${file}\n${offset}\n${canonicalJson(record)}`;
  return `legacy-${sha256(new TextEncoder().encode(text))}`;
}

/** SHA-256 of bytes as 64 lowercase hex digits, computed synchronously: sha256Hex here, or a native one where there is one (the shipper's Node). */
export type Sha256 = (bytes: Uint8Array) => string;

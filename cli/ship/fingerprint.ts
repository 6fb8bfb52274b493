import { createHash } from "node:crypto";

/** How many leading bytes identify a file's content, with its device and inode. */
export const FINGERPRINT_BYTES = 1024;

/** What identifies a file's content: the SHA-256 of its first `bytes` bytes. */
export interface Fingerprint {
  hash: string;
  bytes: number;
  /**
   * Strong enough to recognise the same content under another inode (a
   * copytruncate copy): it covers at least one whole line, which holds the
   * producer's timestamp, or the full FINGERPRINT_BYTES.
   */
  strong: boolean;
}

export function fingerprintOf(prefix: Buffer): Fingerprint {
  const head = prefix.subarray(0, FINGERPRINT_BYTES);
  return {
    hash: createHash("sha256").update(head).digest("hex"),
    bytes: head.length,
    strong: head.length === FINGERPRINT_BYTES || head.includes(10),
  };
}

/** True when a file whose first bytes are `prefix` starts with the fingerprinted content. */
export function startsWith(prefix: Buffer, fp: Fingerprint): boolean {
  return prefix.length >= fp.bytes && createHash("sha256").update(prefix.subarray(0, fp.bytes)).digest("hex") === fp.hash;
}

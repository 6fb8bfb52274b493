import { toHex } from "./sha256";

/**
 * Project API keys look like `glk_<id>_<secret>`. The id finds the stored row;
 * only the SHA-256 of the whole key is stored and compared in constant time.
 */
const KEY_PATTERN = /^glk_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export function formatApiKey(id: string, secret: string): string {
  return `glk_${id}_${secret}`;
}

/** The key id inside a presented key, or null when it is not a Gleaner key. */
export function apiKeyId(presented: string): string | null {
  return KEY_PATTERN.exec(presented)?.[1] ?? null;
}

/** SHA-256 digests of the secrets presented keys are compared with on every request (the admin token), by secret. */
const knownDigests = new Map<string, ArrayBuffer>();
const MAX_KNOWN_DIGESTS = 16;

/** The SHA-256 digest of a secret, as WebCrypto gives it. */
export async function secretDigest(secret: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
}

/**
 * True when `digest` (a presented secret's, from secretDigest) is the digest
 * of `secret`, compared in constant time; the digest of `secret` is computed
 * once. secretsEqual(presented, secret) with one digest instead of two.
 */
export async function digestIsOf(digest: ArrayBuffer, secret: string): Promise<boolean> {
  let expected = knownDigests.get(secret);
  if (!expected) {
    expected = await secretDigest(secret);
    if (knownDigests.size >= MAX_KNOWN_DIGESTS) knownDigests.clear();
    knownDigests.set(secret, expected);
  }
  return crypto.subtle.timingSafeEqual(digest, expected);
}

/** True when `digest` written as hex is the stored key hash (sha256Hex of the key), compared in constant time. */
export function digestMatchesHash(digest: ArrayBuffer, storedHash: string): boolean {
  const hex = new TextEncoder().encode(toHex(digest));
  const stored = new TextEncoder().encode(storedHash);
  return hex.byteLength === stored.byteLength && crypto.subtle.timingSafeEqual(hex, stored);
}

/** Compares two secrets in constant time by comparing their SHA-256 digests. */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", new TextEncoder().encode(a)),
    crypto.subtle.digest("SHA-256", new TextEncoder().encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(da, db);
}

/** Project names: what keys, events and metrics are grouped by. */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

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

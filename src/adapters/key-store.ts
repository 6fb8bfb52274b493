import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { apiKeys } from "../db/schema";
import { formatApiKey } from "../domain/api-keys";
import { sha256Hex } from "../domain/sha256";
import { randomId, randomSecret } from "./random-ids";

export interface StoredKey {
  id: string;
  project: string;
  keyHash: string;
  revokedAt: number | null;
}

/** Creates a key for a project; the plain key is returned once and never stored. */
export async function createApiKey(db: D1Database, project: string, now: number) {
  const id = randomId(16);
  const key = formatApiKey(id, randomSecret());
  await drizzle(db)
    .insert(apiKeys)
    .values({ id, project, keyHash: await sha256Hex(key), createdAt: now });
  return { id, key, project, created_at: new Date(now).toISOString() };
}

/**
 * How long a key read from D1 answers for the requests that present it, in
 * this isolate. A key revoked here is forgotten at once; one revoked through
 * another isolate (on Cloudflare) stops working within this long. Each D1
 * round trip costs the worker about as much as validating a hundred events.
 */
export const KEY_CACHE_MS = 1000;
const MAX_CACHED_KEYS = 1000;

/** Keys read recently, by id: a cache of rows in D1, never a source of truth. Unknown ids are not kept. */
const recentKeys = new Map<string, { readAt: number; key: StoredKey }>();

/** The key with this id, live or revoked, from D1, or as read within the last KEY_CACHE_MS. */
export async function findApiKey(db: D1Database, id: string, now = Date.now()): Promise<StoredKey | undefined> {
  const recent = recentKeys.get(id);
  if (recent && now - recent.readAt >= 0 && now - recent.readAt < KEY_CACHE_MS) return recent.key;
  const row = await db
    .prepare("SELECT id, project, key_hash, revoked_at FROM api_keys WHERE id = ?1 LIMIT 1")
    .bind(id)
    .first<{ id: string; project: string; key_hash: string; revoked_at: number | null }>();
  if (!row) {
    recentKeys.delete(id);
    return undefined;
  }
  const key: StoredKey = { id: row.id, project: row.project, keyHash: row.key_hash, revokedAt: row.revoked_at };
  if (recentKeys.size >= MAX_CACHED_KEYS) recentKeys.clear();
  recentKeys.set(id, { readAt: now, key });
  return key;
}

/** Revokes a key; false when no live key has that id. */
export async function revokeApiKey(db: D1Database, id: string, now: number): Promise<boolean> {
  const rows = await drizzle(db)
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  // After the update: a read that began before it may have cached the live row meanwhile.
  recentKeys.delete(id);
  return rows.length > 0;
}

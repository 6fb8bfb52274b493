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

export async function findApiKey(db: D1Database, id: string): Promise<StoredKey | undefined> {
  const [row] = await drizzle(db)
    .select({ id: apiKeys.id, project: apiKeys.project, keyHash: apiKeys.keyHash, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(eq(apiKeys.id, id))
    .limit(1);
  return row;
}

/** Revokes a key; false when no live key has that id. */
export async function revokeApiKey(db: D1Database, id: string, now: number): Promise<boolean> {
  const rows = await drizzle(db)
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

/**
 * The weights of one version of a weight profile, or `undefined` when that
 * version is not stored (a score names the version it was made with).
 */
export async function profileWeights(db: D1Database, name: string, version: number): Promise<Record<string, number> | undefined> {
  const row = await db.prepare("SELECT weights FROM weight_profiles WHERE name = ?1 AND version = ?2").bind(name, version).first<{ weights: string }>();
  return row ? (JSON.parse(row.weights) as Record<string, number>) : undefined;
}

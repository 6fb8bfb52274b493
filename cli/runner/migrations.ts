import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Miniflare } from "miniflare";
import { splitSqlQuery } from "./sql-split";

type D1Database = Awaited<ReturnType<Miniflare["getD1Database"]>>;

/**
 * Applies pending migrations from `dir`, recording them in `d1_migrations`
 * exactly as `wrangler d1 migrations apply` does, so both tools agree on
 * what was applied. Returns the names applied now.
 */
export async function applyMigrations(db: D1Database, dir: string): Promise<string[]> {
  await db
    .prepare(
      "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    )
    .run();
  const { results } = await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>();
  const applied = new Set(results.map((r) => r.name));
  const pending = readdirSync(dir)
    .filter((f) => f.endsWith(".sql") && !applied.has(f))
    .sort();
  for (const name of pending) {
    const sql = readFileSync(join(dir, name), "utf8").replaceAll("--> statement-breakpoint", "");
    const statements = splitSqlQuery(sql).map((s) => db.prepare(s));
    await db.batch([...statements, db.prepare("INSERT INTO d1_migrations (name) VALUES (?1)").bind(name)]);
  }
  return pending;
}

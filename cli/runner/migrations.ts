import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Miniflare } from "miniflare";
import { splitSqlQuery } from "./sql-split";

type D1Database = Awaited<ReturnType<Miniflare["getD1Database"]>>;

/** One migration file: its name (what `d1_migrations` records) and its statements, split as wrangler splits them. */
export interface Migration {
  name: string;
  statements: string[];
}

const CREATE_TABLE =
  "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)";
const RECORD = "INSERT INTO d1_migrations (name) VALUES (?1)";

/** Every `.sql` file of `dir` in name order, split into statements. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((name) => ({ name, statements: splitSqlQuery(readFileSync(join(dir, name), "utf8").replaceAll("--> statement-breakpoint", "")) }));
}

/**
 * Applies pending migrations from `dir`, recording them in `d1_migrations`
 * exactly as `wrangler d1 migrations apply` does, so both tools agree on
 * what was applied. Returns the names applied now.
 */
export async function applyMigrations(db: D1Database, dir: string): Promise<string[]> {
  await db.prepare(CREATE_TABLE).run();
  const { results } = await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>();
  const applied = new Set(results.map((r) => r.name));
  const pending = readMigrations(dir).filter((m) => !applied.has(m.name));
  for (const { name, statements } of pending) {
    await db.batch([...statements.map((s) => db.prepare(s)), db.prepare(RECORD).bind(name)]);
  }
  return pending.map((m) => m.name);
}

/**
 * The same as applyMigrations, run inside workerd by a worker bound to the
 * database as DB: POST a JSON array of Migration, get the names applied now,
 * or a 500 with the error. One request for the whole set instead of a round
 * trip per statement through Miniflare's Node proxy.
 */
export const MIGRATE_WORKER = `const CREATE_TABLE = ${JSON.stringify(CREATE_TABLE)};
const RECORD = ${JSON.stringify(RECORD)};
export default {
  async fetch(request, env) {
    try {
      const migrations = await request.json();
      await env.DB.prepare(CREATE_TABLE).run();
      const { results } = await env.DB.prepare("SELECT name FROM d1_migrations").all();
      const applied = new Set(results.map((r) => r.name));
      const now = [];
      for (const { name, statements } of migrations) {
        if (applied.has(name)) continue;
        try {
          await env.DB.batch([...statements.map((s) => env.DB.prepare(s)), env.DB.prepare(RECORD).bind(name)]);
        } catch (err) {
          return new Response(name + ": " + (err && err.message ? err.message : String(err)), { status: 500 });
        }
        now.push(name);
      }
      return Response.json(now);
    } catch (err) {
      return new Response(err && err.message ? err.message : String(err), { status: 500 });
    }
  },
};
`;

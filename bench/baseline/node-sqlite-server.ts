/**
 * The baseline a user would hand-roll: plain node:http, JSON.parse, the same
 * required-field checks, and one better-sqlite3 transaction per request
 * inserting the events into a table shaped like Gleaner's inbox (unique on
 * project + id, ON CONFLICT DO NOTHING). WAL with synchronous=NORMAL, the
 * usual choice for a local service. Prints "listening on <url>".
 *
 * Usage: tsx bench/baseline/node-sqlite-server.ts <db file>
 */
import { createServer } from "node:http";
import Database from "better-sqlite3";

const db = new Database(process.argv[2] ?? ":memory:");
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.exec(`CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, project TEXT NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL,
  source TEXT NOT NULL, client_timestamp TEXT NOT NULL, received_at INTEGER NOT NULL, payload TEXT NOT NULL,
  UNIQUE (project, event_id))`);
const insert = db.prepare(
  "INSERT INTO events (project, event_id, type, source, client_timestamp, received_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
);

type Row = { id: string; type: string; source: string; timestamp: string; json: string };
const insertAll = db.transaction((rows: Row[], now: number) => {
  let accepted = 0;
  for (const r of rows) accepted += insert.run("bench", r.id, r.type, r.source, r.timestamp, now, r.json).changes;
  return accepted;
});

const str = (v: unknown) => typeof v === "string" && v.length > 0;

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") return void res.writeHead(200, { "Content-Type": "application/json" }).end('{"status":"ok"}');
  if (req.method !== "POST" || req.url !== "/v1/events") return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    let events: unknown[];
    try {
      events = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events: unknown[] }).events;
      if (!Array.isArray(events)) throw new Error("events must be an array");
    } catch (err) {
      return void res.writeHead(400, { "Content-Type": "application/json" }).end(JSON.stringify({ error: String(err) }));
    }
    const rows: Row[] = [];
    let rejected = 0;
    for (const e of events as Record<string, unknown>[]) {
      if (str(e.id) && str(e.type) && str(e.source) && (str(e.timestamp) || typeof e.timestamp === "number")) {
        rows.push({ id: e.id as string, type: e.type as string, source: e.source as string, timestamp: String(e.timestamp), json: JSON.stringify(e) });
      } else rejected++;
    }
    const accepted = insertAll(rows, Date.now());
    res.writeHead(202, { "Content-Type": "application/json" }).end(JSON.stringify({ accepted, duplicates: rows.length - accepted, rejected }));
  });
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const a = server.address();
  if (typeof a === "object" && a) console.log(`listening on http://127.0.0.1:${a.port}`);
});

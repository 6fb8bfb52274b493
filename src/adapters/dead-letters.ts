import { incrementCounter } from "./counters";

export interface DeadLetter {
  id: string;
  queue: string;
  body: unknown;
  reason: string;
  attempts: number;
}

/** Parks a message with the reason it could not be processed. Idempotent on the message id. */
export async function parkDeadLetter(db: D1Database, letter: DeadLetter, now: number): Promise<void> {
  const [insert] = await db.batch([
    db
      .prepare(
        "INSERT INTO dead_letters (id, queue, body, reason, attempts, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
      )
      .bind(letter.id, letter.queue, JSON.stringify(letter.body ?? null), letter.reason, letter.attempts, now),
  ]);
  if (insert?.meta.changes) await incrementCounter(db, "dead_letters_total", 1, `queue="${letter.queue}"`).run();
}

import { redactionRules, redactText, redactValue, type RedactionRule } from "../domain/redaction";
import { incrementCounter } from "./counters";

export interface DeadLetter {
  id: string;
  queue: string;
  body: unknown;
  reason: string;
  attempts: number;
}

/**
 * Rules for a caller without the config at hand: the whole default catalogue
 * (no kind disabled). A dead letter is only ever read by an operator, so
 * scrubbing more than ingest would is the safe side.
 */
export const DEAD_LETTER_RULES: readonly RedactionRule[] = redactionRules({ emails: false, disabledKinds: [] });

/**
 * What of a dead letter may be stored: its body as JSON with every string
 * scrubbed (a `log_event` carries a whole proxy event), and its reason
 * scrubbed. Ids and queue name are kept: they are what replay and purge
 * address. A body too deep to walk is dropped rather than stored unscrubbed,
 * and the reason says so.
 */
export function scrubDeadLetter(letter: DeadLetter, rules: readonly RedactionRule[]): { body: string; reason: string } {
  const counts = new Map<string, number>();
  const reason = redactText(letter.reason, rules, counts);
  try {
    return { body: JSON.stringify(redactValue(letter.body ?? null, rules, counts)) ?? "null", reason };
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return { body: "null", reason: `${reason} (body dropped: too deep to scrub)` };
  }
}

/**
 * Parks a message with the reason it could not be processed, scrubbed of
 * secrets first (pass the configured rules when you have them). Idempotent on
 * the message id.
 */
export async function parkDeadLetter(db: D1Database, letter: DeadLetter, now: number, rules: readonly RedactionRule[] = DEAD_LETTER_RULES): Promise<void> {
  const safe = scrubDeadLetter(letter, rules);
  const [insert] = await db.batch([
    db
      .prepare("INSERT INTO dead_letters (id, queue, body, reason, attempts, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING")
      .bind(letter.id, letter.queue, safe.body, safe.reason, letter.attempts, now),
  ]);
  if (insert?.meta.changes) await incrementCounter(db, "dead_letters_total", 1, `queue="${letter.queue}"`).run();
}

type Level = "debug" | "info" | "warn" | "error";

/**
 * One JSON object per line, so logs can be filtered by field (request_id,
 * batch_id, job). Every line of a request or of the queue work it caused
 * carries the request id.
 */
export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields }, (_k, v) =>
    v instanceof Error ? { name: v.name, message: v.message } : v,
  );
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** A bounded label for an error: which kind of thing failed, never its message. */
export function errorType(err: unknown): string {
  const message = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  if (/timeout|timed out|abort/i.test(message)) return "timeout";
  if (/D1_|SQLITE|sql/i.test(message)) return "database";
  if (/fetch|network|ECONN|HTTP|status/i.test(message)) return "http";
  if (/zod|invalid|validation/i.test(message)) return "validation";
  return "other";
}

/** An info line of one kind (a route, a queue's success line) is written at most this often. */
export const INFO_LOG_EVERY_MS = 1000;

/** Per kind: when its last line was written, and how many were not since. */
const lastLogged = new Map<string, { at: number; unlogged: number }>();
const MAX_KINDS_TRACKED = 1000;

/**
 * Whether a routine success line of `kind` is written: the first in each INFO_LOG_EVERY_MS; the others are counted,
 * and the next line of the kind says how many it stands for (`unlogged`). Errors and warnings are never sampled.
 *
 * @example
 * const verdict = sampledLine("chunk processed", Date.now());
 * if (verdict.log) log("info", "chunk processed", { ...fields, ...(verdict.unlogged ? { unlogged: verdict.unlogged } : {}) });
 */
export function sampledLine(kind: string, now: number): { log: boolean; unlogged: number } {
  const last = lastLogged.get(kind);
  if (last && now - last.at < INFO_LOG_EVERY_MS) {
    last.unlogged++;
    return { log: false, unlogged: 0 };
  }
  if (!last && lastLogged.size >= MAX_KINDS_TRACKED) lastLogged.clear();
  lastLogged.set(kind, { at: now, unlogged: 0 });
  return { log: true, unlogged: last?.unlogged ?? 0 };
}

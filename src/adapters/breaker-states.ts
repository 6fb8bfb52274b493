/** Each dependency's circuit as last stored: `closed`, `open` or `half_open`. */
export interface BreakerState {
  dependency: string;
  state: string;
}

/** Every stored circuit; none before any breaker has been used (the table may not exist yet). */
export async function listBreakerStates(db: D1Database): Promise<BreakerState[]> {
  try {
    return (await db.prepare("SELECT dependency, state FROM breakers ORDER BY dependency").all<BreakerState>()).results;
  } catch {
    return [];
  }
}

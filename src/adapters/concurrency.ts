/** Caps on work in flight: per key (a project), and in total. */
export interface InFlightLimits {
  perKey: number;
  total: number;
}

export type Admission = { admitted: true; release: () => void } | { admitted: false; scope: "key" | "total"; max: number };

/**
 * Counts work in flight per key and in total, and admits more only under both
 * caps: a non-blocking semaphore (a refusal is an answer, not a wait). It
 * lives in isolate memory on purpose: it shapes transient load on the isolate
 * that runs the work, so it needs no shared state, and losing it with the
 * isolate loses nothing (no request is in flight in a dead isolate).
 *
 * @example
 * const searches = new InFlightLimiter({ perKey: 4, total: 16 });
 * const a = searches.tryAcquire(project);
 * if (!a.admitted) throw tooBusy(a.scope);
 * try { await work(); } finally { a.release(); }
 */
export class InFlightLimiter {
  readonly #byKey = new Map<string, number>();
  #total = 0;

  constructor(readonly limits: InFlightLimits) {}

  /** Takes a slot for `key`, or says which cap is full. `release` is idempotent. */
  tryAcquire(key: string): Admission {
    const mine = this.#byKey.get(key) ?? 0;
    if (mine >= this.limits.perKey) return { admitted: false, scope: "key", max: this.limits.perKey };
    if (this.#total >= this.limits.total) return { admitted: false, scope: "total", max: this.limits.total };
    this.#byKey.set(key, mine + 1);
    this.#total += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#total -= 1;
      const left = (this.#byKey.get(key) ?? 1) - 1;
      if (left === 0) this.#byKey.delete(key);
      else this.#byKey.set(key, left);
    };
    return { admitted: true, release };
  }

  /** Slots taken for `key` (all keys when omitted). */
  inFlight(key?: string): number {
    return key === undefined ? this.#total : (this.#byKey.get(key) ?? 0);
  }
}

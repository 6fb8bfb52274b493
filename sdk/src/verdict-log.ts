import type { EventVerdict, FlushReport } from "./types.js";

/**
 * The verdicts that came in since the last report, kept for `flush()`. Bounded:
 * past `limit` the oldest are dropped and counted, so a producer that never
 * flushes does not grow without end (`onResults` still saw them all).
 */
export class VerdictLog {
  #verdicts: EventVerdict[] = [];
  #omitted = 0;

  constructor(private readonly limit: number) {}

  add(verdicts: EventVerdict[]): void {
    this.#verdicts.push(...verdicts);
    const excess = this.#verdicts.length - this.limit;
    if (excess > 0) {
      this.#verdicts.splice(0, excess);
      this.#omitted += excess;
    }
  }

  /** Everything since the last call, by verdict. */
  takeReport(): FlushReport {
    const report: FlushReport = { accepted: [], duplicates: [], rejected: [], omitted: this.#omitted };
    for (const verdict of this.#verdicts) {
      if (verdict.status === "accepted") report.accepted.push(verdict.id);
      else if (verdict.status === "duplicate") report.duplicates.push(verdict.id);
      else if (verdict.status === "rejected") report.rejected.push({ id: verdict.id, errors: verdict.errors });
    }
    this.#verdicts = [];
    this.#omitted = 0;
    return report;
  }
}

import type { BatchItem } from "./batch";
import type { LineOutcome } from "./options";
import type { LineReport } from "./reports";
import type { EventOutcome } from "./sender";

/**
 * Pairs a batch's items with the server's outcomes (one per item sent, in
 * order): the reports to write before the checkpoint moves past them, and the
 * final fate of every line.
 */
export function settleBatch(items: readonly BatchItem[], outcomes: readonly EventOutcome[]) {
  const quarantined: LineReport[] = [];
  const rejected: LineReport[] = [];
  const lines: LineOutcome[] = [];
  let next = 0;
  for (const item of items) {
    const where = { path: item.file.state.path, file: item.file.state.label, offset: item.start };
    if (item.kind === "send") {
      const outcome = outcomes[next++];
      if (!outcome) throw new Error(`the server answered ${outcomes.length} outcomes for more events than that`);
      if (outcome.status === "rejected") {
        const reason = outcome.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("; ");
        rejected.push({ ...where, line: item.lineAfter, reason, text: JSON.stringify(item.record), errors: outcome.errors });
        lines.push({ ...where, ...(item.type ? { type: item.type } : {}), status: "rejected", reason });
      } else {
        lines.push({ ...where, ...(item.type ? { type: item.type } : {}), status: outcome.status });
      }
    } else if (item.kind === "truncated") {
      quarantined.push({ ...where, reason: item.reason, text: item.text });
      lines.push({ ...where, status: "truncated", reason: item.reason });
    } else {
      quarantined.push({ ...where, line: item.lineAfter, reason: item.reason, text: item.text });
      lines.push({ ...where, status: "quarantined", reason: item.reason });
    }
  }
  return { quarantined, rejected, lines };
}

import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";

/** A line that was not stored, with where it came from and why. */
export interface LineReport {
  reason: string;
  path: string;
  file: string;
  offset: number;
  line?: number;
  /** The line as read (a preview for over-long lines). */
  text: string;
  errors?: { path: string; message: string }[];
}

/** quarantine.jsonl: corrupt and truncated lines; rejected.jsonl: lines the server refused. */
export const QUARANTINE_FILE = "quarantine.jsonl";
export const REJECTED_FILE = "rejected.jsonl";

/**
 * Appends reports to a file in the state dir and fsyncs it, before the
 * checkpoint moves past those lines: a reported line is never lost, at worst
 * reported twice after a crash.
 */
export async function appendReports(stateDir: string, file: string, reports: readonly LineReport[], now: Date): Promise<void> {
  if (reports.length === 0) return;
  await mkdir(stateDir, { recursive: true });
  const handle = await open(join(stateDir, file), "a", 0o600);
  try {
    await handle.write(reports.map((r) => JSON.stringify({ at: now.toISOString(), ...r }) + "\n").join(""));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

import { z } from "zod";
import { readArchive } from "../adapters/archive";
import type { Config } from "../config";
import type { Env } from "../env";
import { ingestItems } from "./ingest";
import type { Problem } from "../domain/problem";
import { isProblem } from "../domain/problem";

/** What became of an archive's events. */
export interface RestoreTotals {
  key: string;
  events: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

/** Why nothing was restored: no such object, or one that is not an archive of events. */
export type RestoreProblem = Problem<"not_found" | "unreadable_archive">;

const archiveLineSchema = z.object({ project: z.string(), event: z.record(z.string(), z.unknown()) });

type ArchiveLine = z.infer<typeof archiveLineSchema>;

function parseArchiveLine(line: string): ArchiveLine | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = archiveLineSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/**
 * Re-imports an archive through the normal ingest path, per project, at most
 * MAX_EVENTS_PER_REQUEST events a call. Events still stored answer duplicate,
 * so a restore is safe to repeat. Every line is read before anything is
 * ingested: an unreadable archive restores nothing.
 *
 * @example
 * const totals = await restoreArchive(env, config, "archives/my-project/1-500.ndjson.gz", requestId);
 * if (isProblem(totals)) throw problemError(totals);
 */
export async function restoreArchive(env: Env, config: Config, key: string, requestId: string): Promise<RestoreTotals | RestoreProblem> {
  let text: string | null;
  try {
    text = await readArchive(env.ARCHIVE, key);
  } catch (err) {
    // workerd's DecompressionStream fails with a TypeError: the object is not gzip, so not one of our archives.
    if (err instanceof TypeError) return { problem: "unreadable_archive", message: `'${key}' is not a gzip archive` };
    throw err;
  }
  if (text === null) return { problem: "not_found", message: `no archive '${key}'` };
  const lines: ArchiveLine[] = [];
  for (const [i, line] of text
    .split("\n")
    .filter((l) => l !== "")
    .entries()) {
    const parsed = parseArchiveLine(line);
    if (!parsed) return { problem: "unreadable_archive", message: `'${key}' line ${i + 1} is not an archived event` };
    lines.push(parsed);
  }
  const totals = { key, events: lines.length, accepted: 0, duplicates: 0, rejected: 0 };
  const perRequest = config.MAX_EVENTS_PER_REQUEST;
  for (const [project, group] of Map.groupBy(lines, (l) => l.project)) {
    for (let i = 0; i < group.length; i += perRequest) {
      const summary = await ingestItems(
        env,
        project,
        group.slice(i, i + perRequest).map((l) => ({ value: l.event })),
        requestId,
        Date.now(),
        // Archived events were validated when first ingested, the proxy's own ids included.
        { internal: true, config },
      );
      // Each call carries at most MAX_EVENTS_PER_REQUEST events, the one limit ingest refuses a whole call for.
      if (isProblem(summary)) throw new Error(`restoring '${key}': ingest refused a chunk (${summary.problem}: ${summary.message})`);
      totals.accepted += summary.accepted;
      totals.duplicates += summary.duplicates;
      totals.rejected += summary.rejected;
    }
  }
  return totals;
}

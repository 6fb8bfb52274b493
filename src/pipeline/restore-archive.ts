import { z } from "zod";
import { readArchive } from "../adapters/archive";
import type { Config } from "../config";
import type { Env } from "../env";
import { ingestItems } from "./ingest";

/** What became of an archive's events. */
export interface RestoreTotals {
  key: string;
  events: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

/** Why nothing was restored: no such object (404), or one that is not an archive of events (422). */
export interface RestoreProblem {
  status: 404 | 422;
  code: string;
  message: string;
}

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
 * if ("status" in totals) throw new ApiError(totals.status, totals.code, totals.message);
 */
export async function restoreArchive(env: Env, config: Config, key: string, requestId: string): Promise<RestoreTotals | RestoreProblem> {
  let text: string | null;
  try {
    text = await readArchive(env.ARCHIVE, key);
  } catch (err) {
    // workerd's DecompressionStream fails with a TypeError: the object is not gzip, so not one of our archives.
    if (err instanceof TypeError) return { status: 422, code: "unreadable_archive", message: `'${key}' is not a gzip archive` };
    throw err;
  }
  if (text === null) return { status: 404, code: "not_found", message: `no archive '${key}'` };
  const lines: ArchiveLine[] = [];
  for (const [i, line] of text
    .split("\n")
    .filter((l) => l !== "")
    .entries()) {
    const parsed = parseArchiveLine(line);
    if (!parsed) return { status: 422, code: "unreadable_archive", message: `'${key}' line ${i + 1} is not an archived event` };
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
      if ("status" in summary) throw new Error(`restoring '${key}': ingest refused a chunk (${summary.code}: ${summary.message})`);
      totals.accepted += summary.accepted;
      totals.duplicates += summary.duplicates;
      totals.rejected += summary.rejected;
    }
  }
  return totals;
}

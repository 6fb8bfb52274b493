import { projectRedactionCounts, type DatasetRow } from "../adapters/dataset-store";
import { nextSnapshotVersion, recordSnapshot, type SnapshotFacts, snapshotChanges, snapshotPage, stageSnapshotMembers } from "../adapters/snapshot-store";
import { formatExample, type ExportFormat } from "../domain/datasets/export-formats";
import type { Problem } from "../domain/problem";
import { toHex } from "../domain/sha256";

/** Lines read per page while hashing or exporting a snapshot (bounded memory). */
export const SNAPSHOT_PAGE = 1000;

/**
 * Freezes a dataset's current examples as the next numbered, immutable
 * version: its members, example count, byte size and the SHA-256 of its JSONL
 * (hashed while paging, never loaded whole). The dataset's current pointer
 * moves to it. Two snapshots of one dataset at once: one wins the number, the
 * other answers `snapshot_conflict`.
 */
export async function createSnapshot(db: D1Database, ds: DatasetRow, now: number): Promise<SnapshotFacts | Problem<"snapshot_conflict">> {
  const version = await nextSnapshotVersion(db, ds);
  await stageSnapshotMembers(db, ds, version);
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  const encoder = new TextEncoder();
  let examples = 0;
  let bytes = 0;
  for (let after = 0; ; ) {
    const page = await snapshotPage(db, ds.project, ds.name, version, after, SNAPSHOT_PAGE);
    const last = page.at(-1);
    if (!last) break;
    const chunk = encoder.encode(page.map((p) => `${p.line}\n`).join(""));
    await writer.write(chunk);
    examples += page.length;
    bytes += chunk.byteLength;
    after = last.seq;
  }
  await writer.close();
  const sha256 = toHex(await digest.digest);
  if (!(await recordSnapshot(db, ds, { version, examples, bytes, sha256 }, now))) {
    return { problem: "snapshot_conflict", message: `another snapshot of '${ds.name}' took version ${version} at the same time: retry` };
  }
  return { version, examples, bytes, sha256 };
}

/** Streams a snapshot as JSONL in a format, one page of lines at a time. */
export function exportSnapshot(db: D1Database, ds: DatasetRow, version: number, format: ExportFormat = "openai-chat"): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const page = await snapshotPage(db, ds.project, ds.name, version, after, SNAPSHOT_PAGE);
        const last = page.at(-1);
        if (!last) {
          controller.close();
          return;
        }
        after = last.seq;
        controller.enqueue(encoder.encode(page.map((p) => `${formatExample(p, format, { dataset: ds.name, version })}\n`).join("")));
      },
    },
    { highWaterMark: 1 },
  );
}

/** Examples added and removed between a snapshot and the one before it. */
export async function diffSnapshot(db: D1Database, ds: DatasetRow, version: number) {
  const { added, removed } = await snapshotChanges(db, ds, version);
  return { version, previous: version > 1 ? version - 1 : null, added, removed };
}

/**
 * The `redactions` of a snapshot's manifest: secrets scrubbed, by kind, from
 * the text the dataset's own project sent (its events and feedback), counted
 * when they were stored, up to now. Never another project's: the counter
 * carries a project label. Not a count over the snapshot's lines: text that
 * was redacted never becomes an example (buildExample skips it), so that
 * count is zero by construction. It tells the trainer how much of the
 * traffic the examples were chosen from held secrets.
 */
export function snapshotRedactions(db: D1Database, ds: DatasetRow): Promise<Record<string, number>> {
  return projectRedactionCounts(db, ds.project);
}

import { excludedRedactedCount, projectRedactionCounts, type DatasetRow, type SnapshotCounts, type SnapshotRow, storePairs } from "../adapters/dataset-store";
import { loadScoringConfig } from "../adapters/scoring-store";
import { nextSnapshotVersion, recordSnapshot, type SnapshotFacts, snapshotChanges, snapshotPage, stageSnapshotMembers } from "../adapters/snapshot-store";
import { datasetCard } from "../domain/datasets/card";
import { formatExample, type ExportFormat } from "../domain/datasets/export-formats";
import { findPreferencePairs } from "./preference-pairs";
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
  // Pairs found in the rated traffic join the dataset first (exact duplicates by hash are ignored), so they are versioned with it.
  if (ds.rules.preference_pairs) await storePairs(db, ds, await findPreferencePairs(db, ds), now);
  const version = await nextSnapshotVersion(db, ds);
  await stageSnapshotMembers(db, ds, version);
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  const encoder = new TextEncoder();
  let examples = 0;
  let bytes = 0;
  const counts: SnapshotCounts = { train: 0, validation: 0, pairs_train: 0, pairs_validation: 0, excluded_redacted: await excludedRedactedCount(db, ds) };
  for (let after = 0; ; ) {
    const page = await snapshotPage(db, ds.project, ds.name, version, after, SNAPSHOT_PAGE);
    const last = page.at(-1);
    if (!last) break;
    const chunk = encoder.encode(page.map((p) => `${p.line}\n`).join(""));
    await writer.write(chunk);
    examples += page.length;
    bytes += chunk.byteLength;
    for (const p of page)
      counts[p.kind === "pair" ? (p.split === "validation" ? "pairs_validation" : "pairs_train") : p.split === "validation" ? "validation" : "train"]++;
    after = last.seq;
  }
  await writer.close();
  const sha256 = toHex(await digest.digest);
  if (!(await recordSnapshot(db, ds, { version, examples, bytes, sha256, counts }, now))) {
    return { problem: "snapshot_conflict", message: `another snapshot of '${ds.name}' took version ${version} at the same time: retry` };
  }
  return { version, examples, bytes, sha256, counts };
}

/**
 * Streams a snapshot as JSONL in a format, one page of lines at a time: the lines of the kind
 * the format is for (conversations or preference pairs), of one split when asked. A page whose
 * lines are all filtered out is skipped without closing the stream.
 */
export function exportSnapshot(
  db: D1Database,
  ds: DatasetRow,
  version: number,
  format: ExportFormat = "openai-chat",
  split?: "train" | "validation",
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const page = await snapshotPage(db, ds.project, ds.name, version, after, SNAPSHOT_PAGE);
          const last = page.at(-1);
          if (!last) {
            controller.close();
            return;
          }
          after = last.seq;
          const lines = page.flatMap((p) => {
            if (split && p.split !== split) return [];
            const line = formatExample(p, format, { dataset: ds.name, version });
            return line === undefined ? [] : [`${line}\n`];
          });
          if (lines.length) {
            controller.enqueue(encoder.encode(lines.join("")));
            return;
          }
        }
      },
    },
    { highWaterMark: 1 },
  );
}

/** Most examples a diff lists on each side (the counts are always whole). */
export const DIFF_LIST_LIMIT = 1000;

/** The examples added and removed between a snapshot and the one before it. */
export async function diffSnapshot(db: D1Database, ds: DatasetRow, version: number) {
  const changes = await snapshotChanges(db, ds, version, DIFF_LIST_LIMIT);
  return { version, previous: version > 1 ? version - 1 : null, ...changes };
}

/** A snapshot's Hugging Face dataset card (README.md with YAML front matter). */
export async function snapshotCard(db: D1Database, ds: DatasetRow, snapshot: SnapshotRow): Promise<string> {
  const [scoring, redactions] = await Promise.all([loadScoringConfig(db), projectRedactionCounts(db, ds.project)]);
  const counts = snapshot.counts ?? { train: snapshot.examples, validation: 0, pairs_train: 0, pairs_validation: 0, excluded_redacted: 0 };
  return datasetCard({
    name: ds.name,
    project: ds.project,
    version: snapshot.version,
    sha256: snapshot.sha256,
    created_at: snapshot.created_at,
    rules: snapshot.rules,
    counts: { train: counts.train, validation: counts.validation, pairs_train: counts.pairs_train, pairs_validation: counts.pairs_validation },
    score_policy: [...scoring.profiles.values()].map((p) => ({ profile: p.name, version: p.version })),
    redactions,
    excluded_redacted: counts.excluded_redacted,
    base_url_path: `/v1/datasets/${ds.name}/snapshots/${snapshot.version}`,
  });
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

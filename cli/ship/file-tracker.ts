import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";
import { FINGERPRINT_BYTES, startsWith, type Fingerprint } from "./fingerprint";

/** One file as a scan sees it: which inode a path points to now, its size and first bytes. */
export interface Observed {
  path: string;
  key: string;
  size: number;
  mtimeMs: number;
  prefix: Buffer;
}

/** What the tracker needs to know about a file it already follows. */
export interface KnownFile {
  /** `dev:ino` */
  key: string;
  fingerprint: Fingerprint;
  /** Acknowledged offset: where reading resumes after a restart. */
  offset: number;
  /** How far this run has read (acknowledged or not, partial line included). */
  readPosition: number;
}

/**
 * - same: the inode we follow, with the content we fingerprinted.
 * - replaced: the inode we follow, but shorter than what we read or with other
 *   first bytes: truncated in place (copytruncate) or a reused inode.
 * - new: an inode we do not follow; `resume` is a known file it starts like
 *   (a copytruncate copy, a file moved across devices), to continue from its offset.
 * - gone: an inode we follow that no path points to any more (renamed away, deleted).
 */
export type Decision<K extends KnownFile> =
  | { kind: "same"; file: K; observed: Observed }
  | { kind: "replaced"; file: K; observed: Observed }
  | { kind: "new"; observed: Observed; resume?: K }
  | { kind: "gone"; file: K };

/** Files matching the arguments now: literal paths as given, globs through tinyglobby. */
export async function expandPatterns(patterns: readonly string[], cwd: string): Promise<string[]> {
  const literal = patterns.filter((p) => !isDynamicPattern(p)).map((p) => resolve(cwd, p));
  const dynamic = patterns.filter((p) => isDynamicPattern(p));
  const globbed = dynamic.length ? await glob(dynamic, { cwd, absolute: true, onlyFiles: true, dot: true, expandDirectories: false }) : [];
  return [...new Set([...literal, ...globbed])];
}

/** Stats a path and reads its first bytes; null when it is missing, unreadable or not a regular file. */
export async function observe(path: string): Promise<Observed | null> {
  try {
    const info = await stat(path, { bigint: true });
    if (!info.isFile()) return null;
    const handle = await open(path, "r");
    try {
      const opened = await handle.stat({ bigint: true });
      const prefix = Buffer.alloc(FINGERPRINT_BYTES);
      const { bytesRead } = await handle.read(prefix, 0, FINGERPRINT_BYTES, 0);
      return {
        path,
        key: `${opened.dev}:${opened.ino}`,
        size: Number(opened.size),
        mtimeMs: Number(opened.mtimeMs),
        prefix: prefix.subarray(0, bytesRead),
      };
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

/**
 * Matches what a scan observed against the files already followed, by device +
 * inode first and by the fingerprint of the first bytes second. Pure: the
 * caller applies the decisions.
 */
export function reconcile<K extends KnownFile>(known: Iterable<K>, observed: readonly Observed[]): Decision<K>[] {
  const byKey = new Map<string, K>();
  for (const file of known) byKey.set(file.key, file);
  const decisions: Decision<K>[] = [];
  const seen = new Set<string>();
  for (const o of observed) {
    if (seen.has(o.key)) continue;
    seen.add(o.key);
    const file = byKey.get(o.key);
    if (file) {
      const intact = o.size >= file.readPosition && startsWith(o.prefix, file.fingerprint);
      decisions.push({ kind: intact ? "same" : "replaced", file, observed: o });
      continue;
    }
    let resume: K | undefined;
    for (const candidate of byKey.values()) {
      if (!candidate.fingerprint.strong || candidate.offset > o.size || !startsWith(o.prefix, candidate.fingerprint)) continue;
      if (!resume || candidate.offset > resume.offset) resume = candidate;
    }
    decisions.push(resume ? { kind: "new", observed: o, resume } : { kind: "new", observed: o });
  }
  for (const [key, file] of byKey) if (!seen.has(key)) decisions.push({ kind: "gone", file });
  return decisions;
}

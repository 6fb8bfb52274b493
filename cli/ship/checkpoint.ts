import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { Fingerprint } from "./fingerprint";

/** What survives a restart for one followed file. */
export interface FileCheckpoint {
  key: string;
  /** Where the file is now. */
  path: string;
  /** Where this generation was written to; a newer file there means this one was rotated away. */
  firstPath: string;
  label: string;
  fingerprint: Fingerprint;
  /** Every line before this byte offset was acknowledged by the server or reported. */
  offset: number;
  /** Complete lines before `offset`. */
  line: number;
  /** Reading order across generations: a rotated file is finished before its successor. */
  seq: number;
}

export interface Checkpoint {
  version: 1;
  url: string;
  files: FileCheckpoint[];
}

const FILE = "checkpoint.json";

/** Reads the checkpoint of a state dir; null when there is none yet. */
export async function loadCheckpoint(stateDir: string): Promise<Checkpoint | null> {
  let text: string;
  try {
    text = await readFile(join(stateDir, FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  const parsed = JSON.parse(text) as Checkpoint;
  if (parsed.version !== 1 || !Array.isArray(parsed.files)) throw new Error(`${join(stateDir, FILE)} is not a gleaner ship checkpoint`);
  return parsed;
}

/**
 * Replaces the checkpoint atomically: write a temp file, fsync it, rename it
 * over the old one, fsync the directory. A crash leaves the old or the new
 * checkpoint, never a torn one.
 */
export async function saveCheckpoint(stateDir: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const target = join(stateDir, FILE);
  const temp = `${target}.tmp-${process.pid}`;
  const handle = await open(temp, "w", 0o600);
  try {
    await handle.writeFile(JSON.stringify(checkpoint, null, 1) + "\n");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
  const dir = await open(stateDir, "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

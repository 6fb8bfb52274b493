import { readFile, unlink, writeFile } from "node:fs/promises";

/** Journals open in this process: a second client on the same file would corrupt it. */
const openPaths = new Set<string>();

/**
 * Takes `path.lock` (holding this process id) or fails naming the holder. A
 * lock left by a process that is gone (a crash) is taken over; so is one
 * holding this very process id but not open here (a restarted container often
 * gets the same pid).
 */
export async function lockJournal(path: string): Promise<void> {
  const lockPath = `${path}.lock`;
  if (openPaths.has(path)) throw new Error(`the journal ${path} is already open in this process`);
  try {
    await writeFile(lockPath, String(process.pid), { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = Number((await readFile(lockPath, "utf8")).trim());
    if (holder !== process.pid && isRunning(holder)) {
      throw new Error(`the journal ${path} is in use by process ${holder} (remove ${lockPath} if that is wrong)`);
    }
    await writeFile(lockPath, String(process.pid));
  }
  openPaths.add(path);
}

export async function unlockJournal(path: string): Promise<void> {
  openPaths.delete(path);
  await unlink(`${path}.lock`).catch(() => {});
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

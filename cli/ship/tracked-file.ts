import { open, type FileHandle } from "node:fs/promises";
import type { FileCheckpoint } from "./checkpoint";
import type { KnownFile } from "./file-tracker";
import type { Fingerprint } from "./fingerprint";
import { LineReader, type LineReaderLimits } from "./line-reader";

/**
 * One generation of a followed file (one inode with one content): its
 * acknowledged position, which survives restarts, and this run's open handle
 * and read position. The handle stays open while the file is followed, so a
 * file renamed away can still be read to its end.
 */
export class TrackedFile implements KnownFile {
  handle?: FileHandle;
  reader?: LineReader;
  /** Seen at a path in the last scan. */
  present = true;
  /** When the file was first found rotated away (for the grace period of its partial line). */
  rotatedAt?: number;
  /** Complete lines read so far in this run (acknowledged or still in the batch). */
  readLine: number;

  constructor(public state: FileCheckpoint) {
    this.readLine = state.line;
  }

  get key(): string {
    return this.state.key;
  }

  get fingerprint(): Fingerprint {
    return this.state.fingerprint;
  }

  get offset(): number {
    return this.state.offset;
  }

  get readPosition(): number {
    return this.reader?.readPosition ?? this.state.offset;
  }

  get partialBytes(): number {
    return this.reader?.partialBytes ?? 0;
  }

  /** Opens the file at its path if it is not open yet; false when the path now holds another inode. */
  async ensureOpen(limits: LineReaderLimits): Promise<boolean> {
    if (this.handle) return true;
    let handle: FileHandle;
    try {
      handle = await open(this.state.path, "r");
    } catch {
      return false;
    }
    const info = await handle.stat({ bigint: true });
    if (`${info.dev}:${info.ino}` !== this.state.key) {
      await handle.close();
      return false;
    }
    this.handle = handle;
    this.reader = new LineReader(handle, this.state.offset, limits);
    this.readLine = this.state.line;
    return true;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.reader = undefined;
    await handle?.close();
  }
}

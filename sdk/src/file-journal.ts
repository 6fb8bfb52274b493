import { copyFile, mkdir, open, rename, type FileHandle } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { eventLine, parseEvent, readLines, scanJournal, settledLine } from "./journal-lines.js";
import { lockJournal, unlockJournal } from "./journal-lock.js";
import type { BufferedEvent, EventJournal } from "./journal.js";

export interface FileJournalOptions {
  /** Rewrite the file without settled events once this many have settled since the last rewrite. */
  compactAfter?: number;
}

/**
 * A journal in one local file, for Node: append-only lines (see
 * journal-lines.ts), events fsynced before `track()` resolves.
 *
 * When nothing is left unsent the file is truncated; after `compactAfter`
 * verdicts it is rewritten with only the unsent events into a temporary file
 * that is fsynced and renamed over it, so a crash at any point leaves either
 * the old or the new file, never a mix. A line torn by a crash mid-write is
 * the last one and is ignored: its `track()` never resolved. A lock file next
 * to it keeps two producers from sharing it.
 */
export function fileJournal(path: string, options: FileJournalOptions = {}): EventJournal {
  return new FileJournal(resolve(path), options.compactAfter ?? 10_000);
}

interface Batch<T> {
  items: T[];
  done: Promise<void>;
}

class FileJournal implements EventJournal {
  readonly #path: string;
  readonly #compactAfter: number;
  #handle: FileHandle | null = null;
  #size = 0;
  #live = 0;
  #settledSinceCompaction = 0;
  /** The first spilled event not yet read back: its sequence number and where its line starts. */
  #spill: { seq: number; offset: number } | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #appends: Batch<{ event: BufferedEvent; spilled: boolean }> | null = null;
  #settles: Batch<number> | null = null;
  #locked = false;
  /** Events whose append failed (their track() rejected): a verdict for one of them must not count as a line settled. */
  #unwritten = new Set<number>();

  constructor(path: string, compactAfter: number) {
    this.#path = path;
    this.#compactAfter = compactAfter;
  }

  open(): Promise<{ unsent: number; nextSeq: number; warning?: string }> {
    return this.#enqueue(async () => {
      await mkdir(dirname(this.#path), { recursive: true });
      await lockJournal(this.#path);
      this.#locked = true;
      const scan = await scanJournal(this.#path);
      let warning: string | undefined;
      if (scan.corruptLines > 0) {
        const kept = `${this.#path}.corrupt-${Date.now()}`;
        await copyFile(this.#path, kept);
        warning = `${scan.corruptLines} unreadable line(s) in the journal ${this.#path} were skipped; the original file is kept at ${kept}`;
      }
      await this.#rewrite(scan.settled);
      this.#spill = this.#live > 0 ? { seq: 0, offset: 0 } : null;
      return { unsent: this.#live, nextSeq: scan.maxSeq + 1, ...(warning ? { warning } : {}) };
    });
  }

  append(events: BufferedEvent[], spilled: boolean): Promise<void> {
    if (!this.#appends) {
      const batch: Batch<{ event: BufferedEvent; spilled: boolean }> = { items: [], done: Promise.resolve() };
      batch.done = this.#enqueue(async () => {
        this.#appends = null;
        await this.#writeEvents(batch.items);
      });
      this.#appends = batch;
    }
    this.#appends.items.push(...events.map((event) => ({ event, spilled })));
    return this.#appends.done;
  }

  settle(seqs: number[]): Promise<void> {
    if (!this.#settles) {
      const batch: Batch<number> = { items: [], done: Promise.resolve() };
      batch.done = this.#enqueue(async () => {
        this.#settles = null;
        await this.#writeSettled(batch.items);
      });
      this.#settles = batch;
    }
    this.#settles.items.push(...seqs);
    return this.#settles.done;
  }

  readSpilled(maxEvents: number, maxBytes: number): Promise<BufferedEvent[]> {
    return this.#enqueue(() => this.#readSpilled(maxEvents, maxBytes));
  }

  close(): Promise<void> {
    return this.#enqueue(async () => {
      await this.#handle?.close();
      this.#handle = null;
      if (this.#locked) {
        await unlockJournal(this.#path);
        this.#locked = false;
      }
    });
  }

  /** Runs file operations one at a time, in call order. */
  #enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation);
    this.#queue = run.catch(() => {});
    return run;
  }

  #file(): FileHandle {
    if (!this.#handle) throw new Error(`the journal ${this.#path} is not open`);
    return this.#handle;
  }

  async #writeEvents(items: Array<{ event: BufferedEvent; spilled: boolean }>): Promise<void> {
    const spillBefore = this.#spill;
    let offset = this.#size;
    const lines: string[] = [];
    for (const { event, spilled } of items) {
      const line = eventLine(event);
      if (spilled && !this.#spill) this.#spill = { seq: event.seq, offset };
      offset += Buffer.byteLength(line);
      lines.push(line);
    }
    try {
      await this.#appendDurably(lines.join(""));
    } catch (error) {
      this.#spill = spillBefore;
      for (const { event } of items) this.#unwritten.add(event.seq);
      throw error;
    }
    this.#live += items.length;
  }

  async #writeSettled(all: number[]): Promise<void> {
    const seqs = all.filter((seq) => !this.#unwritten.delete(seq));
    if (seqs.length === 0) return;
    // Not fsynced on its own: a lost verdict record only means a resend, which the server answers "duplicate".
    await this.#appendDurably(settledLine(seqs), false);
    this.#live -= seqs.length;
    this.#settledSinceCompaction += seqs.length;
    if (this.#live === 0 && !this.#spill) {
      await this.#file().truncate(0);
      await this.#file().datasync();
      this.#size = 0;
      this.#settledSinceCompaction = 0;
    } else if (this.#settledSinceCompaction >= this.#compactAfter) {
      await this.#rewrite((await scanJournal(this.#path)).settled);
    }
  }

  /** Appends text at the end; a failed write is cut off again so that no torn line stays in the middle of the file. */
  async #appendDurably(text: string, sync = true): Promise<void> {
    const handle = this.#file();
    const bytes = Buffer.from(text);
    try {
      for (let written = 0; written < bytes.length; ) {
        written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
      }
      if (sync) await handle.datasync();
    } catch (error) {
      await handle.truncate(this.#size).catch(() => {});
      throw error;
    }
    this.#size += bytes.length;
  }

  async #readSpilled(maxEvents: number, maxBytes: number): Promise<BufferedEvent[]> {
    const events: BufferedEvent[] = [];
    if (!this.#spill) return events;
    const handle = this.#file();
    const chunk = Buffer.alloc(64 * 1024);
    let lineStart = this.#spill.offset;
    let readAt = lineStart;
    let carry = Buffer.alloc(0);
    let bytes = 0;
    for (;;) {
      for (let newline = carry.indexOf(10); newline !== -1; newline = carry.indexOf(10)) {
        const event = parseEvent(carry.toString("utf8", 0, newline));
        if (event) {
          if (events.length >= maxEvents || (events.length > 0 && bytes + event.bytes > maxBytes)) {
            this.#spill = { seq: event.seq, offset: lineStart };
            return events;
          }
          events.push(event);
          bytes += event.bytes;
        }
        lineStart += newline + 1;
        carry = carry.subarray(newline + 1);
      }
      if (readAt >= this.#size) break;
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, this.#size - readAt), readAt);
      if (bytesRead === 0) break;
      readAt += bytesRead;
      carry = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
    }
    // The end of the file: every spilled event is back in memory.
    this.#spill = null;
    return events;
  }

  /** Rewrites the file with only its unsettled events: temporary file, fsync, rename, fsync of the directory. */
  async #rewrite(settled: Set<number>): Promise<void> {
    const temporary = `${this.#path}.tmp`;
    const out = await open(temporary, "w");
    let size = 0;
    let live = 0;
    let spill: { seq: number; offset: number } | null = null;
    try {
      let pending: string[] = [];
      let pendingBytes = 0;
      const write = async () => {
        const bytes = Buffer.from(pending.join(""));
        for (let written = 0; written < bytes.length; ) written += (await out.write(bytes, written, bytes.length - written)).bytesWritten;
        pending = [];
        pendingBytes = 0;
      };
      for await (const { line } of readLines(this.#path)) {
        const event = parseEvent(line);
        if (!event || settled.has(event.seq)) continue;
        if (this.#spill && !spill && event.seq >= this.#spill.seq) spill = { seq: event.seq, offset: size };
        const text = `${line}\n`;
        const length = Buffer.byteLength(text);
        pending.push(text);
        pendingBytes += length;
        size += length;
        live++;
        if (pendingBytes >= 1024 * 1024) await write();
      }
      await write();
      await out.datasync();
    } finally {
      await out.close();
    }
    await this.#handle?.close();
    this.#handle = null;
    await rename(temporary, this.#path);
    await syncDirectory(dirname(this.#path));
    this.#handle = await open(this.#path, "a+");
    this.#size = size;
    this.#live = live;
    this.#settledSinceCompaction = 0;
    this.#spill = spill;
  }
}

/** Makes a rename durable. Some platforms cannot open a directory for fsync; there the rename is as durable as it gets. */
async function syncDirectory(path: string): Promise<void> {
  let dir: FileHandle | undefined;
  try {
    dir = await open(path, "r");
    await dir.sync();
  } catch {
    // Windows and some file systems refuse; nothing more can be done there.
  } finally {
    await dir?.close();
  }
}

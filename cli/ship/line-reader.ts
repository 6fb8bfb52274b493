import type { FileHandle } from "node:fs/promises";

/** One complete line: its bytes without the newline, and its byte range in the file (end is after the newline). */
export interface RawLine {
  start: number;
  end: number;
  bytes: Buffer;
  /** Set when the line was longer than the limit: its full length; `bytes` then holds only a preview. */
  tooLong?: number;
}

export interface LineReaderLimits {
  chunkBytes: number;
  maxLineBytes: number;
}

const PREVIEW_BYTES = 1024;

/**
 * Reads complete lines from a file handle in fixed-size chunks, from a byte
 * position on. A line without its newline yet stays pending (not returned)
 * until a later read completes it. Memory is bounded: one chunk, plus the
 * pending line up to `maxLineBytes`; a longer line is skipped to its newline
 * and returned as `tooLong` with a preview.
 */
export class LineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false;

  /** `position` is where the next read starts; `start` the offset of the pending line. */
  constructor(
    private readonly handle: FileHandle,
    private position: number,
    private readonly limits: LineReaderLimits,
    private start = position,
  ) {}

  /** Byte offset of the first byte not yet returned as part of a complete line. */
  get lineStart(): number {
    return this.start;
  }

  /** Bytes read past the last complete line: a line still waiting for its newline. */
  get partialBytes(): number {
    return this.position - this.start;
  }

  /** Where the next read starts: every byte before it has been read. */
  get readPosition(): number {
    return this.position;
  }

  /**
   * Gives up on the pending partial line (its file was rotated away or
   * truncated): returns its range and bytes (a preview when over the limit)
   * and moves past it.
   */
  takePartial(): RawLine {
    const line: RawLine = { start: this.start, end: this.position, bytes: Buffer.concat(this.pending) };
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
    this.start = this.position;
    return line;
  }

  /** Reads to the current end of the file, yielding each complete line. */
  async *lines(): AsyncGenerator<RawLine> {
    for (;;) {
      const chunk = Buffer.allocUnsafe(this.limits.chunkBytes);
      const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.position);
      if (bytesRead === 0) return;
      const data = chunk.subarray(0, bytesRead);
      const chunkStart = this.position;
      this.position += bytesRead;
      let from = 0;
      for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, from)) {
        yield this.complete(data.subarray(from, nl), chunkStart + nl + 1);
        from = nl + 1;
      }
      this.hold(data.subarray(from));
    }
  }

  private complete(tail: Buffer, end: number): RawLine {
    const length = end - 1 - this.start;
    const line: RawLine = { start: this.start, end, bytes: Buffer.concat([...this.pending, tail]) };
    if (this.skipping || length > this.limits.maxLineBytes) {
      line.bytes = line.bytes.subarray(0, PREVIEW_BYTES);
      line.tooLong = length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
    this.start = end;
    return line;
  }

  private hold(rest: Buffer): void {
    if (rest.length === 0 || this.skipping) return;
    this.pending.push(Buffer.from(rest));
    this.pendingBytes += rest.length;
    if (this.pendingBytes > this.limits.maxLineBytes) {
      this.pending = [Buffer.concat(this.pending).subarray(0, PREVIEW_BYTES)];
      this.skipping = true;
    }
  }
}

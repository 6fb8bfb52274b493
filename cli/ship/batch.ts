import type { TrackedFile } from "./tracked-file";

/** One line (or a truncated tail) on its way: sent, quarantined or reported, then checkpointed past. */
export type BatchItem = {
  file: TrackedFile;
  start: number;
  end: number;
  /** The file's complete-line count once this item is checkpointed. */
  lineAfter: number;
  /** Bytes of the line in the file (0 for a truncated tail, counted apart). */
  bytes: number;
} & (
  | { kind: "send"; json: string; record: object; type?: string }
  | { kind: "quarantine"; reason: string; text: string }
  | { kind: "truncated"; reason: string; text: string }
);

/**
 * The lines read since the last acknowledgement, in file order. Full at
 * `maxLines` items or `maxBytes` of envelope JSON, well under the server's
 * default request limits (1,000 events, 5 MiB).
 */
export class Batch {
  private items: BatchItem[] = [];
  private bytes = 0;

  constructor(
    private readonly maxLines: number,
    private readonly maxBytes: number,
  ) {}

  add(item: BatchItem): void {
    this.items.push(item);
    this.bytes += item.kind === "send" ? Buffer.byteLength(item.json) : item.text.length;
  }

  get full(): boolean {
    return this.items.length >= this.maxLines || this.bytes >= this.maxBytes;
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  take(): BatchItem[] {
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    return items;
  }
}

/** Counters a run reports; the summary printed with --once is built from them. */
export interface ShipStats {
  files: number;
  lines: number;
  bytes: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  quarantined: number;
  truncated: number;
}

/** The JSON summary `gleaner ship --once` prints as its last line (the counters without bytes). */
export type ShipSummary = Omit<ShipStats, "bytes">;

interface TtyStream {
  isTTY?: boolean;
  write(text: string): boolean;
}

const fmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return `${fmt.format(n)} ${units[i]}`;
}

/**
 * One status line on a terminal (files, lines, bytes, rate), redrawn at most a
 * few times a second. Silent when the stream is not a TTY, so pipes and logs
 * get only the summary.
 */
export class Progress {
  private last = 0;
  private readonly started = Date.now();
  private shown = false;

  constructor(
    private readonly stream: TtyStream | null,
    private readonly intervalMs = 250,
  ) {}

  update(stats: ShipStats, force = false): void {
    if (!this.stream?.isTTY) return;
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const line =
      `files ${stats.files} · lines ${fmt.format(stats.lines)} · ${humanBytes(stats.bytes)} · ` +
      `${fmt.format(stats.lines / seconds)} lines/s · accepted ${stats.accepted} · dup ${stats.duplicates} · ` +
      `rejected ${stats.rejected} · quarantined ${stats.quarantined} · truncated ${stats.truncated}`;
    this.stream.write(`\r\x1b[2K${line}`);
    this.shown = true;
  }

  /** Ends the status line so later output starts on a fresh line. */
  done(stats: ShipStats): void {
    if (!this.stream?.isTTY) return;
    this.update(stats, true);
    if (this.shown) this.stream.write("\n");
  }
}

import type { RetryPolicy } from "./backoff";
import type { ShipStats } from "./progress";

export interface ShipOptions {
  url: string;
  key: string;
  patterns: readonly string[];
  stateDir: string;
  /** Read every file to its end, then stop (imports, tests). */
  once: boolean;
  cwd?: string;
  pollMs?: number;
  /** How long a rotated file stays open for a late write, and its partial last line waits for its newline (follow mode only). */
  rotationGraceMs?: number;
  batchLines?: number;
  /** Batches sent at once while the next is read (default 3); checkpoints still move in file order. */
  maxInFlight?: number;
  /**
   * Map legacy lines to v2 events here, as the server would (the default), so
   * the worker only validates them; false sends every line as its legacy envelope.
   */
  upcast?: boolean;
  batchBytes?: number;
  chunkBytes?: number;
  maxLineBytes?: number;
  retry?: Partial<RetryPolicy>;
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
  /** Where progress goes (a TTY only); null for none. */
  progress?: { isTTY?: boolean; write(text: string): boolean } | null;
  log?: (message: string) => void;
  /** Told the fate of every line, once it is final. */
  onLine?: (outcome: LineOutcome) => void;
  /** Test seams around the acknowledgement of a batch. */
  hooks?: { beforeCheckpoint?: () => void | Promise<void>; afterBatch?: () => void | Promise<void> };
}

export interface LineOutcome {
  path: string;
  file: string;
  offset: number;
  type?: string;
  status: "accepted" | "duplicate" | "rejected" | "quarantined" | "truncated";
  reason?: string;
}

export type ShipSummary = Omit<ShipStats, "bytes">;

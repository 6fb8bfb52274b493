/** One tracked event as the buffer holds it: its JSON exactly as it will be sent. */
export interface BufferedEvent {
  /** Client-side order; unique within a journal across restarts. */
  seq: number;
  id: string;
  json: string;
  /** UTF-8 length of `json`. */
  bytes: number;
}

/**
 * Durable storage for unsent events (the Node implementation is `fileJournal`).
 * Every tracked event is appended; an event the client did not keep in memory
 * is "spilled" and read back in order when there is room. An event leaves the
 * journal only when the server has given its verdict.
 */
export interface EventJournal {
  /**
   * Opens the journal and recovers what an earlier run left unsent: those
   * events count as spilled. `warning` says when part of the file was unreadable.
   */
  open(): Promise<{ unsent: number; nextSeq: number; warning?: string }>;
  /** Appends events; resolves once they are on disk. `spilled` events are not in the client's memory. */
  append(events: BufferedEvent[], spilled: boolean): Promise<void>;
  /** Reads the next spilled events in order: at most `maxEvents`, and no more than `maxBytes` beyond the first. */
  readSpilled(maxEvents: number, maxBytes: number): Promise<BufferedEvent[]>;
  /** Records that these events have a verdict: they are never resent. */
  settle(seqs: number[]): Promise<void>;
  /** Finishes pending writes and releases the file. */
  close(): Promise<void>;
}

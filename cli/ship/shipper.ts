import { sleep } from "./backoff";
import { Batch, type BatchItem } from "./batch";
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from "./checkpoint";
import { classifyLine } from "./classify";
import { expandPatterns, observe, reconcile, type Decision, type Observed } from "./file-tracker";
import { fingerprintOf } from "./fingerprint";
import { fileLabel } from "./label";
import type { ShipOptions, ShipSummary } from "./options";
import { Progress, type ShipStats } from "./progress";
import { appendReports, QUARANTINE_FILE, REJECTED_FILE, type LineReport } from "./reports";
import { Sender } from "./sender";
import { settleBatch } from "./settle";
import { lockStateDir } from "./state-lock";
import { TrackedFile } from "./tracked-file";

export type { LineOutcome, ShipOptions, ShipSummary } from "./options";

/**
 * Lines a batch holds at most: the server's default MAX_EVENTS_PER_REQUEST
 * (a server that takes fewer answers 413, and the batch is split). Each
 * request costs the worker a fixed amount beside its events.
 */
const DEFAULT_BATCH_LINES = 1000;
/**
 * Batches sent at once by default while the next is read. One at a time left the worker idle while the shipper read,
 * and the shipper idle while the worker stored (bench: legacy import). Checkpoints still move in file order.
 */
export const DEFAULT_IN_FLIGHT = 3;

/** Most passes --once makes while files keep changing under it. */
const MAX_ONCE_PASSES = 20;
/** Dormant generations kept in the checkpoint, to recognise a copy of them later. */
const MAX_DORMANT = 100;

class StopRequested extends Error {}

/**
 * `gleaner ship`: follows files and globs, sends their lines as legacy
 * envelopes, and checkpoints each file's offset only after the server
 * acknowledged the batch. A crash therefore means re-sending (the server
 * answers "duplicate"), never losing.
 */
export class Shipper {
  private readonly files = new Map<string, TrackedFile>();
  private readonly opened = new Set<string>();
  private readonly batch: Batch;
  private readonly sender: Sender;
  private readonly progress: Progress;
  private readonly stopSignal = new AbortController();
  private readonly stats: ShipStats = { files: 0, lines: 0, bytes: 0, accepted: 0, duplicates: 0, rejected: 0, quarantined: 0, truncated: 0 };
  private readonly limits: { chunkBytes: number; maxLineBytes: number };
  private readonly upcast: boolean;
  private readonly log: (message: string) => void;
  private seq = 0;
  private stopping = false;
  /** The batches being sent while the next one is read (at most `maxInFlight`), oldest first: each settles after the one before. */
  private inFlight: Promise<void>[] = [];
  /** The newest batch's settlement (acknowledged, reported, checkpointed): the next one settles after it. */
  private lastSettled: Promise<void> = Promise.resolve();
  private readonly maxInFlight: number;

  constructor(private readonly options: ShipOptions) {
    this.limits = { chunkBytes: options.chunkBytes ?? 64 * 1024, maxLineBytes: options.maxLineBytes ?? 4 * 1024 * 1024 };
    this.batch = new Batch(options.batchLines ?? DEFAULT_BATCH_LINES, options.batchBytes ?? 1024 * 1024);
    this.log = options.log ?? (() => undefined);
    this.upcast = options.upcast ?? true;
    this.maxInFlight = Math.max(1, Math.floor(options.maxInFlight ?? DEFAULT_IN_FLIGHT));
    this.progress = new Progress(options.progress ?? null);
    this.sender = new Sender({
      url: options.url,
      key: options.key,
      retry: { baseMs: 500, maxMs: 30_000, maxAttempts: options.once ? 10 : Infinity, ...options.retry },
      timeoutMs: options.requestTimeoutMs ?? 30_000,
      signal: this.stopSignal.signal,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      onRetry: (attempt, delay, why) => this.log(`send failed (${why}); retry ${attempt} in ${delay} ms`),
    });
  }

  /** Stops after the batches in flight are acknowledged and checkpointed; unsent lines are read again next time. */
  stop(): void {
    this.stopping = true;
    this.stopSignal.abort(new StopRequested("stopping"));
  }

  async run(): Promise<ShipSummary> {
    const release = await lockStateDir(this.options.stateDir);
    try {
      await this.load();
      if (this.options.once) {
        for (let i = 0; i < MAX_ONCE_PASSES && !this.stopping && (await this.pass()); i++);
        this.countPendingTails();
      } else {
        while (!this.stopping) {
          await this.pass();
          await sleep(this.options.pollMs ?? 1000, this.stopSignal.signal).catch(() => undefined);
        }
      }
    } catch (e) {
      if (!(e instanceof StopRequested)) throw e;
    } finally {
      await Promise.all([...this.files.values()].map((f) => f.close()));
      this.progress.done(this.stats);
      await release();
    }
    const { bytes: _bytes, ...summary } = this.stats;
    return summary;
  }

  private async load(): Promise<void> {
    const saved = await loadCheckpoint(this.options.stateDir);
    if (!saved) return;
    if (saved.url !== this.options.url) {
      throw new Error(`the state dir ${this.options.stateDir} holds the checkpoint of ${saved.url}; use another --state for ${this.options.url}`);
    }
    for (const state of saved.files) {
      const file = new TrackedFile(state);
      file.present = false;
      this.files.set(state.key, file);
      this.seq = Math.max(this.seq, state.seq);
    }
  }

  /** One scan and read of every file; true when anything moved. Returns once its last batch is acknowledged and checkpointed. */
  private async pass(): Promise<boolean> {
    try {
      return await this.scanAndRead();
    } finally {
      await this.settled();
      this.progress.update(this.stats);
    }
  }

  private async scanAndRead(): Promise<boolean> {
    const paths = await expandPatterns(this.options.patterns, this.options.cwd ?? process.cwd());
    const observed = (await Promise.all(paths.map(observe))).filter((o): o is Observed => o !== null);
    observed.sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path));
    const decisions = reconcile(this.files.values(), observed);
    let moved = false;
    for (const decision of decisions) moved = (await this.apply(decision, decisions)) || moved;

    const waiting = new Set<string>();
    const order = [...this.files.values()].filter((f) => f.present || f.handle).sort((a, b) => a.state.seq - b.state.seq);
    for (const file of order) {
      if (this.stopping) return moved;
      if (waiting.has(file.state.path)) continue;
      moved = (await this.read(file)) || moved;
      if (!file.present || file.state.path !== file.state.firstPath) {
        const finished = this.finishRotated(file);
        if (finished === "waiting") waiting.add(file.state.firstPath);
        if (finished === "waiting" || finished === "grace") continue;
        moved = finished || moved;
        if (!file.present) await file.close();
      }
    }
    if (!this.stopping) await this.flush();
    return moved;
  }

  private async apply(decision: Decision<TrackedFile>, all: Decision<TrackedFile>[]): Promise<boolean> {
    if (decision.kind === "gone") {
      decision.file.present = false;
      return false;
    }
    const o = decision.observed;
    if (decision.kind === "same") {
      const file = decision.file;
      file.present = true;
      file.state.path = o.path;
      if (o.prefix.length > file.fingerprint.bytes) file.state.fingerprint = fingerprintOf(o.prefix);
      return false;
    }
    if (decision.kind === "replaced") {
      const file = decision.file;
      const copied = all.some((d) => d.kind === "new" && d.resume === file);
      if (file.partialBytes > 0 && !copied) await this.reportNow(file, "file truncated in place before the line got its newline");
      this.log(`${o.path}: truncated or replaced (copytruncate?); reading it again from the start`);
      await file.close();
      this.files.delete(file.key);
      this.track(o, { offset: 0, line: 0, seq: ++this.seq, firstPath: o.path });
      return true;
    }
    const from = decision.resume;
    if (from) this.log(`${o.path}: same first bytes as ${from.state.path} (a copy?); continuing at byte ${from.offset}`);
    this.track(o, from ? { ...from.state, firstPath: from.state.firstPath } : { offset: 0, line: 0, seq: ++this.seq, firstPath: o.path });
    return true;
  }

  private track(o: Observed, at: { offset: number; line: number; seq: number; firstPath: string }): void {
    const file = new TrackedFile({
      key: o.key,
      path: o.path,
      firstPath: at.firstPath,
      label: fileLabel(o.path),
      fingerprint: fingerprintOf(o.prefix),
      offset: at.offset,
      line: at.line,
      seq: at.seq,
    });
    this.files.set(o.key, file);
  }

  /** Reads a file to its current end, batching each complete line. */
  private async read(file: TrackedFile): Promise<boolean> {
    if (!(await file.ensureOpen(this.limits))) return false;
    const reader = file.reader; // an open file has its reader
    if (!reader) return false;
    this.opened.add(file.key);
    this.stats.files = this.opened.size;
    let any = false;
    for await (const raw of reader.lines()) {
      any = true;
      file.readLine++;
      const line = classifyLine(raw, { file: file.state.label, path: file.state.path, line: file.readLine }, this.limits.maxLineBytes, this.upcast);
      this.batch.add({ ...line, file, start: raw.start, end: raw.end, lineAfter: file.readLine, bytes: raw.end - raw.start });
      if (this.batch.full) await this.flush();
      if (this.stopping) break;
    }
    return any;
  }

  /**
   * A file is rotated away when no path points to it any more or it was renamed
   * from the path it was written to (a copytruncate copy inherits the original's).
   * A writer that opened it before the rotation may still finish a write, so
   * in follow mode it stays open for a grace period ("grace"), and its
   * successor waits while its last line lacks a newline ("waiting"). Then that
   * partial line is reported as truncated, in order with the file's other lines.
   */
  private finishRotated(file: TrackedFile): boolean | "waiting" | "grace" {
    const now = Date.now();
    file.rotatedAt ??= now;
    const inGrace = !this.options.once && now - file.rotatedAt < (this.options.rotationGraceMs ?? 2000);
    if (file.partialBytes === 0 || !file.reader) return inGrace && !file.present ? "grace" : false;
    if (inGrace) return "waiting";
    const raw = file.reader.takePartial();
    this.batch.add({
      kind: "truncated",
      reason: "no newline before the file was rotated away",
      text: new TextDecoder().decode(raw.bytes),
      file,
      start: raw.start,
      end: raw.end,
      lineAfter: file.readLine,
      bytes: 0,
    });
    return true;
  }

  /** A partial line whose bytes are gone from the file (truncated in place): reported at once. */
  private async reportNow(file: TrackedFile, reason: string): Promise<void> {
    if (!file.reader) return; // no reader, no partial line
    const raw = file.reader.takePartial();
    const report: LineReport = { reason, path: file.state.path, file: file.state.label, offset: raw.start, text: new TextDecoder().decode(raw.bytes) };
    await appendReports(this.options.stateDir, QUARANTINE_FILE, [report], new Date());
    this.stats.truncated++;
    this.options.onLine?.({ path: report.path, file: report.file, offset: report.offset, status: "truncated", reason });
  }

  /** --once: a live file's partial last line has not got its newline; it is read next time, once complete. */
  private countPendingTails(): void {
    for (const file of this.files.values()) {
      const { reader } = file;
      if (!file.present || !reader || reader.partialBytes === 0) continue;
      this.stats.truncated++;
      this.log(`${file.state.path}: the last line (from byte ${reader.lineStart}) has no newline yet; left for the next run`);
    }
  }

  /**
   * Starts sending the batch (after the oldest in flight is acknowledged and checkpointed when `maxInFlight` are) and
   * returns: the next batch is read while these are in flight. A batch settles (its reports written, its checkpoint
   * moved) only after the one before it, so checkpoints move in file order, one batch at a time, and a failed batch
   * leaves every later one unsettled: their lines are sent again next time (the server answers "duplicate").
   */
  private async flush(): Promise<void> {
    // Room for one more: the oldest settled. If it failed, the rest are waited for (settled()) before the failure is thrown.
    while (this.inFlight.length >= this.maxInFlight) {
      const oldest = this.inFlight[0];
      const failed = await oldest?.then(
        () => false,
        () => true,
      );
      if (failed) await this.settled();
      else this.inFlight.shift();
    }
    // Asked to stop while batches before were in flight: this one is read again next time.
    if (this.stopping || this.batch.empty) return;
    const items = this.batch.take();
    const sendable = items.filter((i): i is Extract<BatchItem, { kind: "send" }> => i.kind === "send");
    const sent = this.sender.send(sendable.map((i) => i.json));
    const previous = this.lastSettled;
    const settling = (async () => {
      // Its own answer first (so a failure before it never leaves this request behind), then the batch before it.
      const answer = await sent.then(
        (outcomes) => ({ outcomes }),
        (error: unknown) => ({ error }),
      );
      await previous; // an earlier batch failed: this one is not checkpointed either
      if ("error" in answer) throw answer.error;
      await this.settle(items, answer.outcomes);
    })();
    // Failures are thrown by the flush or settled() that awaits them, which every path reaches.
    settling.catch(() => undefined);
    this.lastSettled = settling;
    this.inFlight.push(settling);
  }

  /**
   * Waits for every batch in flight: acknowledged, reported and checkpointed, or failed; then throws the first failure.
   * Nothing is left in flight when the shipper stops or fails.
   */
  private async settled(): Promise<void> {
    const inFlight = this.inFlight;
    this.inFlight = [];
    const failed = (await Promise.allSettled(inFlight)).find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  /** Writes a sent batch's reports, then moves and saves the checkpoint. */
  private async settle(items: BatchItem[], outcomes: Awaited<ReturnType<Sender["send"]>>): Promise<void> {
    await this.options.hooks?.beforeCheckpoint?.();

    const { quarantined, rejected, lines } = settleBatch(items, outcomes);
    const now = new Date();
    await appendReports(this.options.stateDir, QUARANTINE_FILE, quarantined, now);
    await appendReports(this.options.stateDir, REJECTED_FILE, rejected, now);
    for (const item of items) {
      item.file.state.offset = item.end;
      item.file.state.line = item.lineAfter;
    }
    await saveCheckpoint(this.options.stateDir, this.checkpoint());

    for (const item of items) if (item.kind !== "truncated") this.stats.bytes += item.bytes;
    for (const line of lines) {
      if (line.status === "truncated") this.stats.truncated++;
      else {
        this.stats.lines++;
        this.stats[line.status === "duplicate" ? "duplicates" : line.status]++;
      }
      this.options.onLine?.(line);
    }
    this.progress.update(this.stats);
    await this.options.hooks?.afterBatch?.();
  }

  private checkpoint(): Checkpoint {
    const all = [...this.files.values()].sort((a, b) => b.state.seq - a.state.seq);
    const live = all.filter((f) => f.present || f.handle);
    const dormant = all.filter((f) => !f.present && !f.handle).slice(0, MAX_DORMANT);
    return { version: 1, url: this.options.url, files: [...live, ...dormant].map((f) => ({ ...f.state })) };
  }
}

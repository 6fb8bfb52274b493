import type { EventJournal } from "./journal.js";
import type { EventVerdict } from "./types.js";

/** How long to wait between attempts. Transient failures are retried until they succeed or the client closes. */
export interface RetryPolicy {
  /** Wait before the first retry; doubles each attempt. */
  initialDelayMs: number;
  /** Ceiling of the doubling. Each wait is drawn uniformly between half of it and all of it (jitter). */
  maxDelayMs: number;
  /** Largest Retry-After honoured; a longer one is cut to this. */
  maxRetryAfterMs: number;
}

export interface GleanerClientOptions {
  /** The Gleaner base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** A project key (`POST /v1/admin/projects/{project}/keys`). */
  key: string;
  /** `source` for events that name none. */
  source?: string;
  /** Send a batch as soon as this many events wait (the server takes at most 1,000 per request). */
  batchMaxEvents?: number;
  /** Send a batch as soon as this many bytes of events wait (the server takes at most 5 MiB per request). */
  batchMaxBytes?: number;
  /** Send whatever waits this long after the first unsent event was tracked. */
  flushIntervalMs?: number;
  /** Memory cap: events held in memory, waiting or being sent. */
  maxBufferedEvents?: number;
  /** Memory cap: their JSON bytes. One event larger than this is still taken when the buffer is empty. */
  maxBufferedBytes?: number;
  /**
   * When the memory cap is reached: `block` makes `track()` wait until sending
   * frees room; `spill` writes the event to the journal only and reads it back
   * later (needs `journal`). Nothing is ever dropped.
   */
  onBufferFull?: "block" | "spill";
  /** Where unsent events live across crashes and restarts: `fileJournal(path)` from `@gleaner/sdk/node`. */
  journal?: EventJournal;
  /** One HTTP attempt gives up after this long (then it is retried). */
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Most verdicts `flush()` keeps for its report between two flushes; counts beyond go to `omitted`. */
  maxReportedVerdicts?: number;
  /** The fetch to use; the global one by default. */
  fetch?: typeof fetch;
  /** Called with every batch's verdicts as they arrive, whether or not anyone flushes. */
  onResults?: (verdicts: EventVerdict[]) => void;
  /**
   * Called when sending stops on a refusal that retrying cannot fix (401, 403,
   * an unexpected 4xx or answer), when the journal fails, or when `traced()`
   * cannot record its event. Buffered events are kept.
   */
  onError?: (error: Error) => void;
}

/**
 * Every default of the SDK. The batch caps stay well under the server's limits
 * (1,000 events, 5 MiB per request); a 413 from a server configured lower is
 * handled by splitting the batch.
 */
export const DEFAULTS = {
  batchMaxEvents: 500,
  batchMaxBytes: 1024 * 1024,
  flushIntervalMs: 1000,
  maxBufferedEvents: 10_000,
  maxBufferedBytes: 32 * 1024 * 1024,
  requestTimeoutMs: 30_000,
  maxReportedVerdicts: 100_000,
  retry: { initialDelayMs: 250, maxDelayMs: 30_000, maxRetryAfterMs: 5 * 60_000 } satisfies RetryPolicy,
} as const;

export type ResolvedOptions = Required<Omit<GleanerClientOptions, "journal" | "onResults" | "onError" | "source" | "retry">> &
  Pick<GleanerClientOptions, "journal" | "onResults" | "onError" | "source"> & { retry: RetryPolicy };

/** Fills in the defaults and refuses options that cannot work, naming the option. */
export function resolveOptions(options: GleanerClientOptions): ResolvedOptions {
  const url = options.url?.replace(/\/+$/, "");
  if (!url || !/^https?:\/\//.test(url)) throw new TypeError("Gleaner client: url must be an http(s) URL");
  if (!options.key) throw new TypeError("Gleaner client: key is required");
  const resolved: ResolvedOptions = {
    ...options,
    url,
    batchMaxEvents: options.batchMaxEvents ?? DEFAULTS.batchMaxEvents,
    batchMaxBytes: options.batchMaxBytes ?? DEFAULTS.batchMaxBytes,
    flushIntervalMs: options.flushIntervalMs ?? DEFAULTS.flushIntervalMs,
    maxBufferedEvents: options.maxBufferedEvents ?? DEFAULTS.maxBufferedEvents,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
    onBufferFull: options.onBufferFull ?? (options.journal ? "spill" : "block"),
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    maxReportedVerdicts: options.maxReportedVerdicts ?? DEFAULTS.maxReportedVerdicts,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    retry: { ...DEFAULTS.retry, ...options.retry },
  };
  for (const name of ["batchMaxEvents", "batchMaxBytes", "maxBufferedEvents", "maxBufferedBytes", "requestTimeoutMs"] as const) {
    if (!(resolved[name] >= 1)) throw new TypeError(`Gleaner client: ${name} must be at least 1`);
  }
  if (resolved.batchMaxEvents > 1000) throw new TypeError("Gleaner client: batchMaxEvents must be at most 1000 (the server's limit)");
  if (resolved.onBufferFull === "spill" && !resolved.journal) {
    throw new TypeError('Gleaner client: onBufferFull "spill" needs a journal (fileJournal from @gleaner/sdk/node)');
  }
  return resolved;
}

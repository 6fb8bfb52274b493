/**
 * A failure the SDK surfaces rather than retries: a refused request (bad key,
 * wrong URL), a flush that ran out of time, a closed client. `code` is the
 * server's error code when there was one (`unauthorized`, `forbidden`, …).
 * Events are never dropped because of one: they stay buffered.
 */
export class GleanerError extends Error {
  override readonly name = "GleanerError";

  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Thrown into pending work when `close()` stops the client. */
export function closedError(): GleanerError {
  return new GleanerError("the Gleaner client is closed", "client_closed");
}

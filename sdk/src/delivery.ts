import type { BufferedEvent } from "./journal.js";
import { postWithRetry, refusal, type Answer, type Connection } from "./transport.js";
import type { EventVerdict, FieldError } from "./types.js";

/** Batch caps; lowered when a server with smaller limits answers 413, so later batches fit at once. */
export interface BatchCaps {
  maxEvents: number;
  maxBytes: number;
}

/** The request body for some buffered events: their JSON as tracked, in order. */
export function eventsBody(events: BufferedEvent[]): string {
  return `{"events":[${events.map((e) => e.json).join(",")}]}`;
}

/**
 * Sends events to `POST /v1/events` until each has a verdict, and hands the
 * verdicts to `settle` as they arrive. Transient failures are retried inside
 * `postWithRetry`; a 413 splits the batch in two and sends each half (an event
 * too large on its own is rejected with the server's reason). Throws a
 * GleanerError, without settling, when the server refuses the request itself
 * (401, 403, 404…): those events stay buffered.
 */
export async function deliverEvents(
  conn: Connection,
  events: BufferedEvent[],
  caps: BatchCaps,
  settle: (events: BufferedEvent[], verdicts: EventVerdict[]) => void,
): Promise<void> {
  const body = eventsBody(events);
  const answer = await postWithRetry(conn, "/v1/events", body);
  if (answer.status !== 413) {
    settle(events, verdictsOf(answer, events));
    return;
  }
  const [only] = events;
  if (only && events.length === 1) {
    const error = refusal(answer, "the event alone is over the server's request limit");
    settle(events, [{ id: only.id, status: "rejected", errors: [{ path: "", message: error.message }] }]);
    return;
  }
  const half = Math.ceil(events.length / 2);
  if (refusal(answer, "").code === "too_many_events") caps.maxEvents = Math.min(caps.maxEvents, half);
  else caps.maxBytes = Math.min(caps.maxBytes, Math.floor(events.reduce((sum, e) => sum + e.bytes, 0) / 2));
  await deliverEvents(conn, events.slice(0, half), caps, settle);
  await deliverEvents(conn, events.slice(half), caps, settle);
}

/**
 * The per-event verdicts in a final answer: `results` of a 202/207 body, or of
 * the details of a 400 `no_valid_events`. Anything else (401, 403, an
 * unexpected body) carries no verdict and is thrown as a GleanerError.
 */
export function verdictsOf(answer: Answer, events: BufferedEvent[]): EventVerdict[] {
  const body = answer.body as { results?: unknown; error?: { details?: { results?: unknown } } } | undefined;
  const results = answer.status >= 200 && answer.status < 300 ? body?.results : answer.status === 400 ? body?.error?.details?.results : undefined;
  if (!Array.isArray(results)) throw refusal(answer, "POST /v1/events was refused");
  const verdicts: Array<EventVerdict | undefined> = events.map(() => undefined);
  for (const result of results as Array<{ index?: unknown; status?: unknown; errors?: unknown }>) {
    const index = result?.index;
    const event = typeof index === "number" ? events[index] : undefined;
    if (!event) continue;
    if (result.status === "accepted" || result.status === "duplicate") verdicts[index as number] = { id: event.id, status: result.status };
    else if (result.status === "rejected") verdicts[index as number] = { id: event.id, status: "rejected", errors: fieldErrors(result.errors) };
  }
  if (verdicts.some((v) => v === undefined)) {
    throw refusal({ status: answer.status, body: undefined }, "POST /v1/events answered without a verdict for every event");
  }
  return verdicts as EventVerdict[];
}

function fieldErrors(errors: unknown): FieldError[] {
  if (!Array.isArray(errors) || errors.length === 0) return [{ path: "", message: "rejected (no reason given)" }];
  return errors.map((e: { path?: unknown; message?: unknown }) => ({
    path: typeof e?.path === "string" ? e.path : "",
    message: typeof e?.message === "string" ? e.message : String(e?.message ?? "invalid"),
  }));
}

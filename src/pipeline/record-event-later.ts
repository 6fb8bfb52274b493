import { log } from "../adapters/log";
import type { Config } from "../config";
import type { Env } from "../env";
import { ingestItems } from "./ingest";
import { isProblem } from "../domain/problem";

/**
 * Records one event made by Gleaner itself (the proxy's log of a call) through
 * the ingest path. If that write fails, the event goes on the telemetry queue
 * as a `log_event` message whose consumer retries it: never lost, and never in
 * the way of the caller (run it in waitUntil).
 */
export async function recordEventLater(env: Env, project: string, event: Record<string, unknown>, requestId: string, config?: Config): Promise<void> {
  try {
    // Internal: only Gleaner may write the reserved `proxy:` ids it chose itself.
    const summary = await ingestItems(env, project, [{ value: event }], requestId, Date.now(), { internal: true, ...(config ? { config } : {}) });
    if (isProblem(summary) || summary.rejected > 0) {
      log("warn", "a recorded event was rejected", { request_id: requestId, summary });
    }
  } catch (err) {
    log("warn", "recording an event failed; handing it to the queue", { request_id: requestId, error: err });
    try {
      await env.TELEMETRY_QUEUE.send({ kind: "log_event", project, event, request_id: requestId });
    } catch (sendErr) {
      log("error", "could not record or enqueue an event", { request_id: requestId, error: sendErr, event_id: event.id });
    }
  }
}

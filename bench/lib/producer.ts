import { EventFactory } from "./events";

interface EventResult {
  id: string;
  status: "accepted" | "duplicate" | "rejected";
}

/**
 * A producer that keeps its promise the way the SDK does: every batch it
 * made is sent until Gleaner answers it with a 2xx (a 429, a 5xx or a broken
 * connection puts it back in the queue). `accepted` holds every id Gleaner
 * acknowledged as stored (accepted, or duplicate of an earlier commit).
 */
export class Producer {
  readonly factory: EventFactory;
  readonly accepted = new Set<string>();
  readonly unsent: { ids: string[]; text: string }[] = [];
  sent = 0;
  responses: Record<string, number> = {};
  retryAfterSeen = 0;
  /** Retry-After (seconds) of the last 429, for callers that honour it. */
  lastRetryAfterS = 0;
  private inFlight = 0;

  constructor(
    producerId: string,
    private readonly batchSize = 100,
  ) {
    this.factory = new EventFactory(producerId);
  }

  /** Ids made so far (sent or still queued). */
  get made(): number {
    return this.factory.count;
  }

  /** True when every event made has been acknowledged. */
  get settled(): boolean {
    return this.unsent.length === 0 && this.inFlight === 0;
  }

  /** Sends one batch (a queued one first); returns the HTTP status, or 0 for a network error. */
  async sendOne(base: string, key: string, makeNew = true): Promise<number> {
    const batch = this.unsent.shift() ?? (makeNew ? this.factory.body(this.batchSize) : undefined);
    if (!batch) return -1;
    this.inFlight++;
    this.sent++;
    let status = 0;
    try {
      const res = await fetch(`${base}/v1/events`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: batch.text,
        signal: AbortSignal.timeout(60_000),
      });
      status = res.status;
      const body = (await res.json()) as { results?: EventResult[] };
      if (status === 429 && res.headers.get("Retry-After")) {
        this.retryAfterSeen++;
        this.lastRetryAfterS = Number(res.headers.get("Retry-After"));
      }
      if (status >= 200 && status < 300) {
        for (const r of body.results ?? []) {
          if (r.status === "accepted" || r.status === "duplicate") this.accepted.add(r.id);
          else throw new Error(`event ${r.id} rejected: ${JSON.stringify(r)}`);
        }
      } else this.unsent.push(batch);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith("event ")) throw err;
      this.unsent.push(batch);
    } finally {
      this.inFlight--;
      this.responses[status] = (this.responses[status] ?? 0) + 1;
    }
    return status;
  }
}

import { drained, runJob, sleep, type Stats, stats } from "../lib/client";
import type { Producer } from "../lib/producer";

/** Re-sends every batch the producer still holds until each has a 2xx. */
export async function resendAll(base: string, key: string, producer: Producer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!producer.settled) {
    if (Date.now() > deadline) throw new Error(`${producer.unsent.length} batches still unacknowledged`);
    const status = await producer.sendOne(base, key, false);
    if (status === 429 || status === 0 || status >= 500) await sleep(500);
  }
}

/**
 * Waits for the whole pipeline to finish what it accepted: the backlog drained,
 * the extract queue's backlog worked off (pending extractions no longer falling
 * for 10 s, or none left), then every extraction done (the patterns job relays
 * those older than 1 s, the ones whose messages a kill took; two runs 1.5 s apart
 * with nothing to relay mean none is pending), every dataset caught up. Relaying
 * while the extract queue still holds a backlog would only enqueue it again.
 */
export async function settlePipeline(base: string, timeoutMs: number): Promise<Stats> {
  const deadline = Date.now() + timeoutMs;
  const final = await drained(base, timeoutMs);
  let last = Number.POSITIVE_INFINITY;
  let stillSince = Date.now();
  for (;;) {
    const { pending } = (await stats(base)).extractions;
    if (pending === 0) break;
    if (pending < last) {
      last = pending;
      stillSince = Date.now();
    } else if (Date.now() - stillSince > 10_000) break;
    if (Date.now() > deadline) throw new Error(`extractions did not settle: ${pending} still pending`);
    await sleep(500);
  }
  for (let quiet = 0; quiet < 2; ) {
    if (Date.now() > deadline) throw new Error("extractions did not settle");
    const { result } = await runJob(base, "patterns", { older_than_seconds: 1 });
    quiet = result.extractions_relayed === 0 ? quiet + 1 : 0;
    await sleep(1500);
  }
  for (;;) {
    if (Date.now() > deadline) throw new Error("datasets did not settle");
    const { result } = await runJob(base, "datasets");
    if (result.scanned === 0) break;
  }
  return final;
}

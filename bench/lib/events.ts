/**
 * Benchmark events: ~1 KB of JSON each (README schema v1), with a query text
 * that shares words with others (so similarity has work to do) but is never
 * identical (so the similarity cache cannot skip the search). Every event
 * carries its producer and a sequence in its id: `<producer>-<n>`.
 */

const WORDS = (
  "rotate logs journald disk full nginx upstream timeout postgres vacuum index bloat docker image layer cache " +
  "kubernetes pod crashloop memory limit oom kill rust borrow checker lifetime python asyncio event loop " +
  "typescript generic inference zod schema drizzle migration sqlite wal checkpoint redis eviction policy " +
  "systemd unit restart backoff git rebase conflict merge ssh key agent forwarding nixos flake module option " +
  "prometheus alert rule grafana panel query latency histogram bucket quantile retry jitter exponential"
).split(" ");

const RESPONSE_PAD =
  "Check the service status first, then read the last hundred lines of its journal. If the unit restarts in a loop, " +
  "raise RestartSec and set StartLimitBurst; confirm the fix with a dry run before you deploy it to every host. ";

/** A small deterministic PRNG, so two runs send the same texts. */
import { prng } from "../../test/support/prng";

export { prng };

const OUTCOMES = ["success", "success", "success", "partial", "failure"] as const;

/** Builds event JSON text quickly: texts come from a fixed pool, the id and a case number make each unique. */
export class EventFactory {
  private readonly pool: { query: string; tail: string }[] = [];
  private n = 0;

  constructor(
    readonly producer: string,
    seed = 1,
    poolSize = 512,
  ) {
    const rand = prng(seed);
    const pick = () => WORDS[Math.floor(rand() * WORDS.length)]!;
    for (let i = 0; i < poolSize; i++) {
      const query = `How do I fix ${Array.from({ length: 12 }, pick).join(" ")}`;
      const response = `${Array.from({ length: 30 }, pick).join(" ")}. ${RESPONSE_PAD}${RESPONSE_PAD}`.slice(0, 560);
      const outcome = OUTCOMES[Math.floor(rand() * OUTCOMES.length)]!;
      const tail =
        `,"response":${JSON.stringify(response)},"outcome":"${outcome}","latency_ms":${Math.floor(rand() * 3000)},` +
        `"model":"qwen2.5-coder:7b","tokens_in":${100 + Math.floor(rand() * 900)},"tokens_out":${50 + Math.floor(rand() * 600)},` +
        `"tags":["bench","${pick()}"],"attributes":{"producer":"${producer}","tool_calls":${Math.floor(rand() * 4)},"host":"bench-host-${i % 7}"}}`;
      this.pool.push({ query, tail });
    }
  }

  /** Ids handed out so far are `<producer>-0` … `<producer>-(count-1)`. */
  get count(): number {
    return this.n;
  }

  /** One event as JSON text, with the next id. */
  next(type = "agent_step_complete"): { id: string; json: string } {
    const n = this.n++;
    const id = `${this.producer}-${n}`;
    const p = this.pool[n % this.pool.length]!;
    const json =
      `{"id":"${id}","type":"${type}","source":"bench-agent","timestamp":"${new Date().toISOString()}",` +
      `"session_id":"s-${n >> 6}","interaction_id":"i-${id}","query":"${p.query} (case ${n})"${p.tail}`;
    return { id, json };
  }

  /** A request body of `count` events, and their ids. */
  body(count: number): { ids: string[]; text: string } {
    const ids: string[] = [];
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      const e = this.next();
      ids.push(e.id);
      parts.push(e.json);
    }
    return { ids, text: `{"events":[${parts.join(",")}]}` };
  }
}

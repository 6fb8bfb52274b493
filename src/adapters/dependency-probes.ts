import type { Env } from "../env";
import { joinUrl } from "./join-url";

export type CheckStatus = "ok" | "degraded" | "failing" | "unconfigured";

export interface Check {
  status: CheckStatus;
  reason: string;
  [detail: string]: unknown;
}

/** Optional outside services and how to ask each whether it is up. */
const DEPENDENCIES: { name: string; url: (env: Env) => string | undefined; path: string }[] = [
  { name: "embeddings", url: (env) => env.EMBEDDINGS_URL, path: "/v1/models" },
  { name: "llm", url: (env) => env.LLM_URL, path: "/v1/models" },
  { name: "qdrant", url: (env) => env.QDRANT_URL, path: "/readyz" },
];

/** How long a readiness probe waits for a dependency. */
export const PROBE_TIMEOUT_MS = 1500;

/**
 * Probes every configured dependency at once with a short timeout. A down
 * dependency degrades Gleaner (work waits and is retried), it does not fail
 * it; an unconfigured one is reported as such.
 */
export async function probeDependencies(env: Env): Promise<Record<string, Check>> {
  const entries = await Promise.all(
    DEPENDENCIES.map(async (dep): Promise<[string, Check]> => {
      const base = dep.url(env);
      if (!base) return [dep.name, { status: "unconfigured", reason: "not configured; the embedded default is used" }];
      const started = Date.now();
      try {
        const res = await fetch(joinUrl(base, dep.path), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: "manual" });
        await res.body?.cancel();
        const ms = Date.now() - started;
        return res.status < 500
          ? [dep.name, { status: "ok", reason: `answered ${res.status} in ${ms} ms`, latency_ms: ms }]
          : [dep.name, { status: "degraded", reason: `answered ${res.status}`, latency_ms: ms }];
      } catch (err) {
        const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
        return [dep.name, { status: "degraded", reason: timedOut ? `no answer within ${PROBE_TIMEOUT_MS} ms` : "unreachable" }];
      }
    }),
  );
  return Object.fromEntries(entries);
}

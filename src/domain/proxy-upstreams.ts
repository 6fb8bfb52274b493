import { DEFAULTS } from "../config";

export interface Upstream {
  name: string;
  baseUrl: string;
  /** Name of the secret (env var) holding the upstream's own API key, if it needs one. */
  keySecret?: string;
}

/** The only operations the proxy forwards. */
export const PROXIED_OPERATIONS = ["chat/completions", "completions", "embeddings"] as const;
export type ProxiedOperation = (typeof PROXIED_OPERATIONS)[number];

/** PROXY_UPSTREAMS as parsed: every upstream, or the first entry that is wrong and why. */
export type UpstreamsConfig = { ok: true; upstreams: Map<string, Upstream> } | { ok: false; entry: number; name?: string; reason: string };

/** What a key secret's name must look like: an upstream's own key (`OPENAI_API_KEY`, `GROQ_KEY`). */
const KEY_SECRET_SHAPE = /^[A-Z][A-Z0-9_]{0,80}_KEY$/;

/**
 * Names that are Gleaner's own bindings, secrets or settings. An upstream
 * named with one of them would be sent that value as its bearer key.
 * AI_API_KEY is Gleaner's key for its own LLM and embeddings servers: shared
 * with the proxy, every project key holder could spend its quota (starving
 * extraction) and it could no longer be rotated or scoped alone, so an
 * upstream that needs the same key gets it under its own name.
 */
const RESERVED_NAMES = new Set<string>([
  "DB",
  "ARCHIVE",
  "FLAGS",
  "PROXY_UPSTREAMS",
  "METRICS_TOKEN",
  "AI_API_KEY",
  "QDRANT_API_KEY",
  ...Object.keys(DEFAULTS),
]);
const RESERVED_PREFIXES = ["GLEANER_", "CLOUDFLARE_", "CF_", "WRANGLER_", "TEST_"];
const RESERVED_SUFFIXES = ["_QUEUE"];

/**
 * Why `name` may not hold an upstream's key, or undefined when it may: it
 * must be shaped like an API key's name and not be one of Gleaner's own.
 *
 * @example
 * keySecretProblem("OPENAI_API_KEY") // undefined
 * keySecretProblem("GLEANER_ADMIN_TOKEN") // "key secret 'GLEANER_ADMIN_TOKEN' is reserved …"
 */
export function keySecretProblem(name: string): string | undefined {
  if (RESERVED_NAMES.has(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p)) || RESERVED_SUFFIXES.some((s) => name.endsWith(s))) {
    return `key secret '${name}' is reserved for Gleaner's own bindings and settings: give the upstream a secret of its own (e.g. OPENAI_API_KEY)`;
  }
  if (!KEY_SECRET_SHAPE.test(name)) {
    return `key secret '${name}' must be an upper-case name ending in _KEY (e.g. OPENAI_API_KEY)`;
  }
  return undefined;
}

/**
 * Parses PROXY_UPSTREAMS: comma-separated `name=base-url` or `name=base-url|SECRET_NAME`
 * (e.g. `local=http://127.0.0.1:8080/v1,openai=https://api.openai.com/v1|OPENAI_API_KEY`).
 * A wrong entry is reported by its position and name, never by its URL (which may hold credentials).
 *
 * @example
 * parseUpstreams("local=http://127.0.0.1:8080/v1") // { ok: true, upstreams: Map { "local" => … } }
 * parseUpstreams("x=http://h|DB") // { ok: false, entry: 1, name: "x", reason: "key secret 'DB' is reserved …" }
 */
export function parseUpstreams(config: string | undefined): UpstreamsConfig {
  const upstreams = new Map<string, Upstream>();
  const entries = (config ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  for (const [index, entry] of entries.entries()) {
    const fail = (reason: string, name?: string): UpstreamsConfig => ({ ok: false, entry: index + 1, ...(name ? { name } : {}), reason });
    const [, name, base, keySecret] = /^([a-z0-9_-]{1,40})=([^|\s]+)(?:\|(.*))?$/.exec(entry) ?? [];
    if (name === undefined || base === undefined) return fail("not name=base-url or name=base-url|SECRET_NAME (name: a-z, 0-9, _ or -)");
    if (upstreams.has(name)) return fail("the name is listed twice", name);
    const url = parseUrl(base);
    if (!url) return fail("the base URL is not a URL", name);
    if (url.protocol !== "http:" && url.protocol !== "https:") return fail("the base URL must be http(s)", name);
    if (keySecret !== undefined) {
      const problem = keySecretProblem(keySecret);
      if (problem) return fail(problem, name);
    }
    upstreams.set(name, { name, baseUrl: url.toString(), ...(keySecret ? { keySecret } : {}) });
  }
  return { ok: true, upstreams };
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { WorkerOptions } from "miniflare";
import { parse } from "smol-toml";

/** What the runner takes from wrangler.toml: the worker's Miniflare options, its entry point and its cron schedules. */
export interface WorkerConfig {
  name: string;
  /** The worker's entry point, absolute. */
  main: string;
  crons: string[];
  /** The [vars] names, which the environment and .dev.vars may override. */
  varNames: string[];
  workerOptions: WorkerOptions;
}

/**
 * Bindings wrangler.toml may declare that this reader does not turn into
 * Miniflare options. Rather than run a worker without one, it refuses to start.
 */
const UNSUPPORTED = [
  "ai",
  "analytics_engine_datasets",
  "assets",
  "browser",
  "containers",
  "dispatch_namespaces",
  "durable_objects",
  "env",
  "hyperdrive",
  "images",
  "migrations",
  "mtls_certificates",
  "pipelines",
  "secrets_store_secrets",
  "send_email",
  "services",
  "tail_consumers",
  "unsafe",
  "vectorize",
  "version_metadata",
  "workflows",
  "wasm_modules",
  "text_blobs",
  "data_blobs",
];

/** wrangler's default module rules (DEFAULT_MODULE_RULES), after the config's own. */
const DEFAULT_MODULE_RULES = [
  { type: "Text", include: ["**/*.txt", "**/*.html", "**/*.sql"] },
  { type: "Data", include: ["**/*.bin"] },
  { type: "CompiledWasm", include: ["**/*.wasm", "**/*.wasm?module"] },
] as const;

type Table = Record<string, unknown>;

function tables(value: unknown, where: string): Table[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "object" || v === null || Array.isArray(v)))
    throw new Error(`wrangler.toml: ${where} must be an array of tables`);
  return value as Table[];
}

function str(t: Table, key: string, where: string): string {
  const v = t[key];
  if (typeof v !== "string" || v === "") throw new Error(`wrangler.toml: ${where} needs a string '${key}'`);
  return v;
}

function optional<T>(t: Table, key: string, type: "number" | "string"): T | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (typeof v !== type) throw new Error(`wrangler.toml: '${key}' must be a ${type}, got ${JSON.stringify(v)}`);
  return v as T;
}

/**
 * Reads wrangler.toml with a TOML parser and builds Miniflare's worker options
 * the way wrangler's `unstable_getMiniflareWorkerOptions` does for local
 * development, without importing wrangler (~270 MB of RSS for the runner's
 * lifetime): vars, D1, R2, KV, queue producers and consumers with their
 * settings, rate limits, compatibility date and flags, module rules, crons.
 * test/node/runner-config.test.ts checks the result against wrangler's own for
 * the project's wrangler.toml. Throws when the file declares a binding it does
 * not handle (see UNSUPPORTED), so nothing is silently left unbound.
 */
export function readWorkerConfig(configPath: string): WorkerConfig {
  const toml = parse(readFileSync(configPath, "utf8")) as Table;
  const unsupported = UNSUPPORTED.filter((key) => toml[key] !== undefined);
  if (unsupported.length) throw new Error(`wrangler.toml declares ${unsupported.join(", ")}, which the local runner (cli/runner/config.ts) does not bind`);

  const name = str(toml, "name", "the top level");
  const main = resolve(dirname(configPath), str(toml, "main", "the top level"));
  const compatibilityDate = optional<string>(toml, "compatibility_date", "string");
  const flags = toml.compatibility_flags ?? [];
  if (!Array.isArray(flags) || flags.some((f) => typeof f !== "string")) throw new Error("wrangler.toml: compatibility_flags must be an array of strings");

  const vars = (toml.vars ?? {}) as Table;
  const queues = (toml.queues ?? {}) as Table;
  const triggers = (toml.triggers ?? {}) as Table;
  const crons = triggers.crons ?? [];
  if (!Array.isArray(crons) || crons.some((c) => typeof c !== "string")) throw new Error("wrangler.toml: triggers.crons must be an array of strings");

  const rules = tables(toml.rules, "rules").map((r) => ({
    type: str(r, "type", "[[rules]]"),
    include: r.globs as string[],
    fallthrough: r.fallthrough as boolean | undefined,
  }));

  const workerOptions = {
    compatibilityDate,
    compatibilityFlags: flags as string[],
    modulesRules: [...rules, ...DEFAULT_MODULE_RULES.map((r) => ({ type: r.type, include: [...r.include], fallthrough: undefined }))],
    bindings: { ...vars },
    d1Databases: Object.fromEntries(
      tables(toml.d1_databases, "d1_databases").map((d) => {
        const binding = str(d, "binding", "[[d1_databases]]");
        const id = d.preview_database_id ?? d.database_id;
        return [binding, { id: typeof id === "string" ? id : binding }];
      }),
    ),
    r2Buckets: Object.fromEntries(
      tables(toml.r2_buckets, "r2_buckets").map((b) => {
        const binding = str(b, "binding", "[[r2_buckets]]");
        return [binding, { id: typeof b.bucket_name === "string" ? b.bucket_name : binding }];
      }),
    ),
    kvNamespaces: Object.fromEntries(
      tables(toml.kv_namespaces, "kv_namespaces").map((k) => {
        const binding = str(k, "binding", "[[kv_namespaces]]");
        return [binding, { id: typeof k.id === "string" ? k.id : binding }];
      }),
    ),
    queueProducers: Object.fromEntries(
      tables(queues.producers, "queues.producers").map((p) => [
        str(p, "binding", "[[queues.producers]]"),
        { queueName: str(p, "queue", "[[queues.producers]]"), deliveryDelay: optional<number>(p, "delivery_delay", "number") },
      ]),
    ),
    queueConsumers: Object.fromEntries(
      tables(queues.consumers, "queues.consumers").map((c) => [
        str(c, "queue", "[[queues.consumers]]"),
        {
          maxBatchSize: optional<number>(c, "max_batch_size", "number"),
          maxBatchTimeout: optional<number>(c, "max_batch_timeout", "number"),
          maxRetries: optional<number>(c, "max_retries", "number"),
          deadLetterQueue: optional<string>(c, "dead_letter_queue", "string"),
          retryDelay: optional<number>(c, "retry_delay", "number"),
        },
      ]),
    ),
    ratelimits: Object.fromEntries(
      tables(toml.ratelimits, "ratelimits").map((r) => {
        const binding = str(r, "name", "[[ratelimits]]");
        return [binding, { type: "ratelimit", ...r, name: binding }];
      }),
    ),
  } as WorkerOptions;
  return { name, main, crons: crons as string[], varNames: Object.keys(vars), workerOptions };
}

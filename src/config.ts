import { z } from "zod";
import type { Env } from "./env";

/**
 * Every limit and default in one place; README's tables quote these values.
 * Each can be overridden by the wrangler var of the same name.
 */
export const DEFAULTS = {
  /** Largest request body accepted; larger gets 413 before parsing. */
  MAX_BODY_BYTES: 5 * 1024 * 1024,
  /** Most events in one request. */
  MAX_EVENTS_PER_REQUEST: 1000,
  /** Largest single event (its JSON, UTF-8). */
  MAX_EVENT_BYTES: 64 * 1024,
  /** A chunk not finished this long after it was (re-)enqueued is relayed again. */
  RELAY_AFTER_SECONDS: 60,
  /** Most chunks one relay run re-enqueues. */
  RELAY_MAX_BATCHES: 1000,
} as const;

/**
 * Chunking of one request into queue messages. One message per chunk, not per
 * event: the local queue broker fails past ~10k pending messages. The byte cap
 * keeps the single JSON parameter of the inbox insert far below D1's 2 MB
 * value limit.
 */
export const CHUNK_MAX_EVENTS = 500;
export const CHUNK_MAX_BYTES = 1024 * 1024;

const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().optional().transform((v) => v ?? fallback);

const configSchema = z.object({
  MAX_BODY_BYTES: positiveInt(DEFAULTS.MAX_BODY_BYTES),
  MAX_EVENTS_PER_REQUEST: positiveInt(DEFAULTS.MAX_EVENTS_PER_REQUEST),
  MAX_EVENT_BYTES: positiveInt(DEFAULTS.MAX_EVENT_BYTES),
  RELAY_AFTER_SECONDS: z.coerce.number().int().min(0).optional().transform((v) => v ?? DEFAULTS.RELAY_AFTER_SECONDS),
  RELAY_MAX_BATCHES: positiveInt(DEFAULTS.RELAY_MAX_BATCHES),
});

export type Config = z.infer<typeof configSchema>;

/** Parses the configuration vars; a bad value fails loudly naming the variable. */
export function readConfig(env: Env): Config {
  const parsed = configSchema.safeParse({
    MAX_BODY_BYTES: env.MAX_BODY_BYTES || undefined,
    MAX_EVENTS_PER_REQUEST: env.MAX_EVENTS_PER_REQUEST || undefined,
    MAX_EVENT_BYTES: env.MAX_EVENT_BYTES || undefined,
    RELAY_AFTER_SECONDS: env.RELAY_AFTER_SECONDS || undefined,
    RELAY_MAX_BATCHES: env.RELAY_MAX_BATCHES || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid configuration ${String(issue?.path[0])}: ${issue?.message}`);
  }
  return parsed.data;
}

import type { FieldError } from "../event-schema";

/** The `schema_version` a legacy envelope carries in POST /v1/events. */
export const LEGACY_SCHEMA_VERSION = "legacy";

/** True when an ingest item is a legacy envelope rather than a v1 event. */
export function isLegacyEnvelope(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { schema_version?: unknown }).schema_version === LEGACY_SCHEMA_VERSION;
}

/**
 * Maps a legacy envelope `{ schema_version: "legacy", origin, record }` to a v1
 * event (still validated by the caller). Placeholder until the legacy mapping lands.
 */
export function upcastLegacyEnvelope(_value: unknown): { ok: true; event: Record<string, unknown> } | { ok: false; errors: FieldError[] } {
  return { ok: false, errors: [{ path: "schema_version", message: "legacy envelopes are not supported yet" }] };
}

import { z } from "zod";
import { named } from "./names";

/** The one error shape every route answers with (src/routes/errors.ts). */
export const errorSchema = named(
  z.strictObject({
    error: z.strictObject({
      code: z.string().describe("stable, machine-readable: validation_failed, not_found, backpressure, …"),
      message: z.string(),
      details: z.unknown().describe("null, or what the code documents (validation_failed: { errors: FieldError[] })"),
    }),
  }),
  "Error",
);

export const fieldErrorSchema = named(
  z.strictObject({
    path: z.string(),
    message: z.string(),
    code: z.string().optional().describe("duplicate_key, reserved_key, invalid_unicode, too_deep, reserved_id, too_large, …"),
  }),
  "FieldError",
);

/** One event's fate in an ingest answer, in request order (src/domain/ingest-batch.ts EventResult). */
export const eventResultSchema = named(
  z.union([
    z.strictObject({ index: z.number().int(), id: z.string(), status: z.enum(["accepted", "duplicate"]) }),
    z.strictObject({ index: z.number().int(), id: z.string().optional(), status: z.literal("rejected"), errors: z.array(fieldErrorSchema) }),
  ]),
  "EventResult",
);

/** What POST /v1/events answers with 202 or 207 (src/pipeline/ingest.ts IngestSummary). */
export const ingestSummarySchema = named(
  z.strictObject({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.number().int(),
    results: z.array(eventResultSchema),
  }),
  "IngestSummary",
);

export const isoTime = z.string().describe("ISO 8601, UTC");

import { z } from "zod";

/**
 * A telemetry queue message refers to stored rows (one ingest chunk); it never
 * carries the events themselves. The D1 inbox is the record, the queue a nudge.
 */
export const telemetryMessageSchema = z.object({
  kind: z.literal("ingest_batch"),
  batch_id: z.string().min(1),
  project: z.string().min(1),
  /** The ingest request that stored the chunk, for log correlation. */
  request_id: z.string().max(128).optional(),
});

export type TelemetryMessage = z.infer<typeof telemetryMessageSchema>;

/** An extract queue message: high-value events of one project to distil into patterns. */
export const extractMessageSchema = z.object({
  kind: z.literal("extract"),
  project: z.string().min(1),
  event_ids: z.array(z.string().min(1)).min(1).max(100),
  request_id: z.string().max(128).optional(),
});

export type ExtractMessage = z.infer<typeof extractMessageSchema>;

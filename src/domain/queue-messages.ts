import { z } from "zod";

/** Most event ids one queue message names (rescore, judge, extract). */
export const MAX_IDS_PER_MESSAGE = 100;

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

/**
 * A telemetry event that could not be written when it happened (the proxy's
 * log of a call while D1 failed): the queue carries it until a consumer can.
 */
export const logEventMessageSchema = z.object({
  kind: z.literal("log_event"),
  project: z.string().min(1),
  event: z.record(z.string(), z.unknown()),
  request_id: z.string().max(128).optional(),
});

/**
 * Stored events to score again now, because what scoring reads of them changed after they were
 * scored (their content grew, feedback arrived). Handled by the consumer that owns scoring;
 * an event not yet scored is retried until its chunk is, so the new score is never overwritten.
 */
export const rescoreMessageSchema = z.object({
  kind: z.literal("rescore"),
  project: z.string().min(1),
  event_ids: z.array(z.string().min(1)).max(MAX_IDS_PER_MESSAGE),
  /** Feedback may name its events by interaction id: every event of it is scored again. */
  interaction_ids: z.array(z.string().min(1)).max(MAX_IDS_PER_MESSAGE).optional(),
  reason: z.enum(["feedback", "content"]),
  request_id: z.string().max(128).optional(),
});

/**
 * Scored events whose answers the optional LLM judge should read (docs/answer-quality.md): sent
 * by the consumer after it scored a chunk with the heuristic judge, off the ingest path. Its
 * handler stores the verdicts and re-scores the events (reason `judge`); a judge that is down
 * makes it retry with backoff.
 */
export const judgeMessageSchema = z.object({
  kind: z.literal("judge"),
  project: z.string().min(1),
  event_ids: z.array(z.string().min(1)).min(1).max(MAX_IDS_PER_MESSAGE),
  request_id: z.string().max(128).optional(),
});

export const telemetryQueueMessageSchema = z.discriminatedUnion("kind", [
  telemetryMessageSchema,
  logEventMessageSchema,
  rescoreMessageSchema,
  judgeMessageSchema,
]);

export type IngestBatchMessage = z.infer<typeof telemetryMessageSchema>;
export type LogEventMessage = z.infer<typeof logEventMessageSchema>;
export type RescoreMessage = z.infer<typeof rescoreMessageSchema>;
export type JudgeMessage = z.infer<typeof judgeMessageSchema>;
export type TelemetryMessage = IngestBatchMessage | LogEventMessage | RescoreMessage | JudgeMessage;

/** An extract queue message: high-value events of one project to distil into patterns. */
export const extractMessageSchema = z.object({
  kind: z.literal("extract"),
  project: z.string().min(1),
  event_ids: z.array(z.string().min(1)).min(1).max(MAX_IDS_PER_MESSAGE),
  request_id: z.string().max(128).optional(),
});

export type ExtractMessage = z.infer<typeof extractMessageSchema>;

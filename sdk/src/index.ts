export { createGleanerClient, GleanerClient } from "./client.js";
export { GleanerError } from "./errors.js";
export type { BufferedEvent, EventJournal } from "./journal.js";
export { wrapOpenAI, type TracedOptions } from "./openai.js";
export { DEFAULTS, type GleanerClientOptions, type RetryPolicy } from "./options.js";
export type {
  BufferStats,
  EventVerdict,
  FeedbackAnswer,
  FeedbackInput,
  FieldError,
  FlushReport,
  GleanerEvent,
  Outcome,
  Rating,
  TrackEvent,
} from "./types.js";

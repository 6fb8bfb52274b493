import { type DatasetRow, type ExampleToStore, ratedEvents } from "../adapters/dataset-store";
import { withMessages } from "../domain/conversation";
import type { ChatMessage } from "../domain/datasets/example";
import { preferencePairs, type RatedAnswer } from "../domain/datasets/preference";
import { splitOf } from "../domain/datasets/split";
import { containsScrubbedText } from "../domain/redaction";
import { sha256Hex } from "../domain/sha256";
import { upcastEvent } from "../domain/upcast";
import { utf8ByteLength } from "../domain/utf8";

/** Rated events a snapshot reads to find preference pairs (the newest; documented in docs/datasets.md). */
export const PAIR_SOURCE_LIMIT = 5000;

function parseCorrection(raw: string | null): string | ChatMessage | undefined {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as string | ChatMessage;
  } catch {
    return undefined;
  }
}

/**
 * The preference pairs a dataset's rated traffic holds now (src/domain/datasets/preference.ts
 * says how they pair), as examples of kind `pair`, each with its split by hash: a +1 and a −1
 * answer to the same context, or a rated answer and its feedback's correction.
 */
export async function findPreferencePairs(db: D1Database, ds: DatasetRow): Promise<ExampleToStore[]> {
  const rated = await ratedEvents(db, ds.project, PAIR_SOURCE_LIMIT);
  const answers: RatedAnswer[] = [];
  for (const r of rated) {
    const event = withMessages(upcastEvent(r.record.event, r.record.schemaVersion));
    if (ds.rules.sources && !ds.rules.sources.includes(event.source)) continue;
    const messages = event.messages ?? [];
    const answer = messages.at(-1);
    if (!answer || answer.role !== "assistant" || messages.length < 2) continue;
    const rating = r.rating === null ? null : Math.sign(r.rating);
    const correction = parseCorrection(r.correction);
    answers.push({
      event_id: r.record.eventId,
      context: messages.slice(0, -1),
      ...(event.tools?.length ? { tools: event.tools } : {}),
      answer,
      rating: rating === 1 || rating === -1 || rating === 0 ? rating : null,
      ...(correction !== undefined ? { correction } : {}),
    });
  }
  const out: ExampleToStore[] = [];
  for (const pair of preferencePairs(answers)) {
    const { source_event_ids, ...content } = pair;
    const line = JSON.stringify(content);
    if (ds.rules.redacted === "exclude" && containsScrubbedText(line)) continue;
    const contentHash = await sha256Hex(line);
    const firstUser = content.input.messages.find((m) => m.role === "user");
    out.push({
      contentHash,
      eventId: source_event_ids[0] ?? "",
      line,
      bytes: utf8ByteLength(line) + 1,
      kind: "pair",
      split: splitOf(contentHash, ds.rules.validation_ratio),
      source: null,
      model: null,
      value: null,
      firstUser: typeof firstUser?.content === "string" ? firstUser.content.slice(0, 500) : null,
      sourceEventIds: source_event_ids,
      sessionId: null,
    });
  }
  return out;
}

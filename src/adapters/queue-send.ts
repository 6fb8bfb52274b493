import { MAX_IDS_PER_MESSAGE } from "../domain/queue-messages";

/**
 * Sends one message per MAX_IDS_PER_MESSAGE ids, all in one `sendBatch`; nothing for no ids.
 * Returns the send's error, or undefined: the caller says what a failed send means for its work.
 *
 * @example
 * const failed = await sendPerIds(env.EXTRACT_QUEUE, ids, (event_ids) => ({ kind: "extract", project, event_ids }));
 */
export async function sendPerIds<T>(queue: Queue<T>, ids: readonly string[], body: (ids: string[]) => T): Promise<unknown> {
  const messages: MessageSendRequest<T>[] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_MESSAGE) messages.push({ body: body(ids.slice(i, i + MAX_IDS_PER_MESSAGE)) });
  if (messages.length === 0) return undefined;
  try {
    await queue.sendBatch(messages);
    return undefined;
  } catch (err) {
    return err ?? new Error("send failed");
  }
}

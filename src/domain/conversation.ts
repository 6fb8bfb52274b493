import type { EventV2, Message } from "./event-schema";

/** The text of a message: its string content, or its text parts joined; undefined when it has none. */
export function messageText(message: Message): string | undefined {
  const { content } = message;
  if (typeof content === "string") return content === "" ? undefined : content;
  if (!Array.isArray(content)) return undefined;
  const text = content
    .map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : ""))
    .filter((t) => t !== "")
    .join("\n");
  return text === "" ? undefined : text;
}

function lastText(messages: readonly Message[], role: Message["role"]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== role) continue;
    const text = messageText(m);
    if (text !== undefined) return text;
  }
  return undefined;
}

/**
 * Fills `query` and `response` from the conversation when the producer gave
 * `messages` without them: the last user text and the last assistant text.
 * Returns the same object when there is nothing to fill.
 */
export function withDerivedTexts<T extends Pick<EventV2, "messages" | "query" | "response">>(event: T): T {
  const { messages } = event;
  if (!messages) return event;
  const query = event.query ?? lastText(messages, "user");
  const response = event.response ?? lastText(messages, "assistant");
  if (query === event.query && response === event.response) return event;
  return { ...event, ...(query !== undefined ? { query } : {}), ...(response !== undefined ? { response } : {}) };
}

/**
 * The conversation of an event that has none stored (a v1 event, or a v2
 * event sent with `query`/`response` only): the query as a user message, the
 * response as an assistant message. Returns the same object when it has one.
 */
export function withMessages<T extends Pick<EventV2, "messages" | "query" | "response">>(event: T): T {
  if (event.messages || (event.query === undefined && event.response === undefined)) return event;
  const messages: Message[] = [
    ...(event.query !== undefined ? [{ role: "user" as const, content: event.query }] : []),
    ...(event.response !== undefined ? [{ role: "assistant" as const, content: event.response }] : []),
  ];
  return { ...event, messages };
}

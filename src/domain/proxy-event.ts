import { messageText, withDerivedTexts } from "./conversation";
import type { EventV2, Message } from "./event-schema";
import type { AnswerFacts } from "./proxy-answers";
import { requestConversation, requestText, wantsStream, type ProxyRequest } from "./proxy-requests";
import { toWellFormedDeep } from "./strict-json";
import { utf8ByteLength } from "./utf8";

/** One proxied call, as the log records it. */
export interface ProxiedCall {
  /** Chosen by Gleaner (`proxy:<uuid>`), never by the client. */
  eventId: string;
  upstream: string;
  request: ProxyRequest;
  startedAt: number;
  latencyMs: number;
  /** The upstream's HTTP status. */
  status: number;
  answer: AnswerFacts;
  /** The client's X-Request-Id, kept for correlation only. */
  clientRequestId?: string;
  /** An upstream error answer (4xx), already scrubbed of the upstream's key. */
  upstreamError?: string;
}

/** Most characters of an upstream's error answer kept on the event. */
export const MAX_LOGGED_ERROR_CHARS = 2000;

/**
 * Bytes kept free under MAX_EVENT_BYTES: ingest measures the event after
 * redaction, and a marker can be longer than what it replaces.
 */
const REDACTION_SLACK_BYTES = 1024;

/**
 * The event recorded for a proxied call, sized to fit `maxEventBytes`. A chat
 * call's event holds the client's `messages` (mapped onto event schema v2)
 * followed by the answer's message, and the `tools` offered; `query` and
 * `response` are its last user text and the answer's text. When the event is
 * too big, the longest texts are cut first (the answer's message is never
 * dropped) and `attributes.truncated` says so (the client got everything).
 * Strings from the upstream are made well-formed so the event can be stored.
 */
export function proxyEvent(call: ProxiedCall, maxEventBytes: number): Record<string, unknown> {
  const model = call.answer.model || call.request.body.model;
  const conversation = call.request.op === "chat/completions" ? requestConversation(call.request.body) : undefined;
  const query = conversation ? undefined : requestText(call.request);
  const event = {
    id: call.eventId,
    type: `proxy.${call.request.op.replace("/", ".")}`,
    source: `proxy:${call.upstream}`,
    timestamp: new Date(call.startedAt).toISOString(),
    outcome: call.status < 400 ? "success" : "failure",
    ...(query ? { query } : {}),
    ...(!conversation && call.answer.text ? { response: call.answer.text.toWellFormed() } : {}),
    model: model.toWellFormed().slice(0, 200),
    latency_ms: call.latencyMs,
    ...(call.answer.tokensIn !== undefined ? { tokens_in: call.answer.tokensIn } : {}),
    ...(call.answer.tokensOut !== undefined ? { tokens_out: call.answer.tokensOut } : {}),
    ...(conversation?.tools ? { tools: toWellFormedDeep(conversation.tools) } : {}),
    attributes: {
      upstream: call.upstream,
      operation: call.request.op,
      status: call.status,
      stream: wantsStream(call.request),
      ...(call.clientRequestId ? { client_request_id: call.clientRequestId } : {}),
      ...(call.upstreamError ? { upstream_error: cutTo(call.upstreamError.toWellFormed(), MAX_LOGGED_ERROR_CHARS) } : {}),
      ...(conversation?.toolChoice !== undefined ? { tool_choice: conversation.toolChoice } : {}),
      ...(conversation?.droppedMessages ? { dropped_messages: conversation.droppedMessages } : {}),
      ...(call.answer.refusal ? { refusal: cutTo(call.answer.refusal.toWellFormed(), MAX_LOGGED_ERROR_CHARS) } : {}),
    },
  };
  const budget = Math.max(0, maxEventBytes - REDACTION_SLACK_BYTES);
  if (!conversation) return fitWithin(event, budget);
  const answer = call.answer.message ? (toWellFormedDeep(call.answer.message) as Message) : undefined;
  return fitConversation(event, toWellFormedDeep(conversation.messages) as Message[], answer, budget);
}

/** The event with `messages` (the request's, then the answer's) and the query and response they make. */
function withConversation(event: ProxyEvent, history: readonly Message[], answer: Message | undefined): ProxyEvent {
  const messages = answer ? [...history, answer] : [...history];
  // The response is the answer's text (a tool-call answer has none: ""), never an earlier assistant turn,
  // which ingest would otherwise derive; with no answer (a failed call), it is "" if there is such a turn.
  const { query, response: earlier } = withDerivedTexts<Pick<EventV2, "messages" | "query" | "response">>({ messages: [...history] });
  const response = answer ? (messageText(answer) ?? "") : earlier !== undefined ? "" : undefined;
  return { ...event, messages, ...(query !== undefined ? { query } : {}), ...(response !== undefined ? { response } : {}) };
}

/** Non-text content parts bigger than this are replaced by their type when the event is too big: they are bytes, not words. */
const BULKY_PART_BYTES = 1024;

/**
 * Fits a chat event within `budget` bytes: first bulky non-text parts go,
 * then every text (contents, text parts, tool-call arguments) is cut to the
 * longest common length that fits, so the longest are cut first and most;
 * if even empty texts do not fit, the earliest request messages go, then the tools.
 */
function fitConversation(event: ProxyEvent, history: readonly Message[], answer: Message | undefined, budget: number): ProxyEvent {
  const full = withConversation(event, history, answer);
  if (jsonBytes(full) <= budget) return full;
  const marked = { ...event, attributes: { ...event.attributes, truncated: true } };
  const slim = (m: Message) => (Array.isArray(m.content) ? { ...m, content: m.content.map(slimPart) } : m);
  let requestMessages = history.map(slim);
  let last = answer ? slim(answer) : undefined;
  const fits = (cap: number, e: ProxyEvent = marked) =>
    jsonBytes(
      withConversation(
        e,
        requestMessages.map((m) => capTexts(m, cap)),
        last && capTexts(last, cap),
      ),
    ) <= budget;
  if (fits(Number.POSITIVE_INFINITY)) return withConversation(marked, requestMessages, last);
  let low = 0;
  let high = Math.max(0, ...[...requestMessages, ...(last ? [last] : [])].map(longestText));
  if (fits(0)) {
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (fits(mid)) low = mid;
      else high = mid - 1;
    }
    return withConversation(
      marked,
      requestMessages.map((m) => capTexts(m, low)),
      last && capTexts(last, low),
    );
  }
  requestMessages = requestMessages.map((m) => capTexts(m, 0));
  last = last && capTexts(last, 0);
  let dropped = 0;
  let trimmed: ProxyEvent = marked;
  while (requestMessages.length > 0 && !fits(0, trimmed)) {
    requestMessages = requestMessages.slice(1);
    trimmed = withDropped(marked, ++dropped);
  }
  if (!fits(0, trimmed)) {
    const { tools: _tools, ...rest } = trimmed;
    trimmed = rest as ProxyEvent;
  }
  return withConversation(trimmed, requestMessages, last);
}

function withDropped(event: ProxyEvent, dropped: number): ProxyEvent {
  if (dropped === 0) return event;
  const before = typeof event.attributes.dropped_messages === "number" ? event.attributes.dropped_messages : 0;
  return { ...event, attributes: { ...event.attributes, dropped_messages: before + dropped } };
}

type Part = Extract<Message["content"], unknown[]>[number];

function slimPart(part: Part): Part {
  return part.type !== "text" && jsonBytes(part) > BULKY_PART_BYTES ? { type: part.type, truncated: true } : part;
}

/** The message with each of its texts cut to at most `cap` characters. */
function capTexts(message: Message, cap: number): Message {
  const { content, tool_calls } = message;
  return {
    ...message,
    ...(typeof content === "string" ? { content: cutTo(content, cap) } : {}),
    ...(Array.isArray(content)
      ? { content: content.map((p) => (p.type === "text" && typeof p.text === "string" ? { ...p, text: cutTo(p.text, cap) } : p)) }
      : {}),
    ...(tool_calls ? { tool_calls: tool_calls.map((c) => ({ ...c, function: { ...c.function, arguments: cutTo(c.function.arguments, cap) } })) } : {}),
  };
}

function longestText(message: Message): number {
  const { content, tool_calls = [] } = message;
  const texts = [
    ...(typeof content === "string" ? [content] : []),
    ...(Array.isArray(content) ? content.map((p) => (p.type === "text" && typeof p.text === "string" ? p.text : "")) : []),
    ...tool_calls.map((c) => c.function.arguments),
  ];
  return Math.max(0, ...texts.map((t) => t.length));
}

type ProxyEvent = Record<string, unknown> & { query?: string; response?: string; attributes: Record<string, unknown> };

/** Cuts the ends of query and response until the event's JSON fits `budget` bytes, sharing the room between them. */
function fitWithin(event: ProxyEvent, budget: number): ProxyEvent {
  if (jsonBytes(event) <= budget) return event;
  const { query = "", response = "" } = event;
  const fixed = jsonBytes({ ...event, query: "", response: "", attributes: { ...event.attributes, truncated: true } });
  const room = Math.max(0, budget - fixed);
  const queryBytes = jsonBytes(query) - 2;
  const responseBytes = jsonBytes(response) - 2;
  const queryRoom = queryBytes <= room / 2 ? queryBytes : responseBytes <= room / 2 ? room - responseBytes : Math.floor(room / 2);
  const { query: _q, response: _r, ...rest } = event;
  const cutQuery = cutToJsonBytes(query, queryRoom);
  const cutResponse = cutToJsonBytes(response, room - queryRoom);
  return {
    ...rest,
    ...(cutQuery ? { query: cutQuery } : {}),
    ...(cutResponse ? { response: cutResponse } : {}),
    attributes: { ...event.attributes, truncated: true },
  };
}

const jsonBytes = (value: unknown) => utf8ByteLength(JSON.stringify(value));

/** The longest start of `text` whose JSON string body is at most `bytes` bytes, never splitting a surrogate pair. */
function cutToJsonBytes(text: string, bytes: number): string {
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (jsonBytes(cutTo(text, mid)) - 2 <= bytes) low = mid;
    else high = mid - 1;
  }
  return cutTo(text, low);
}

/** `text` cut to at most `chars` UTF-16 units, dropping a high surrogate left without its pair. */
function cutTo(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const cut = text.slice(0, chars);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

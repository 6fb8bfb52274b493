import type { AnswerFacts } from "./proxy-answers";
import { requestText, wantsStream, type ProxyRequest } from "./proxy-requests";
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
 * The event recorded for a proxied call, sized to fit `maxEventBytes`: when
 * the query and response are too long, their ends are cut and
 * `attributes.truncated` says so (the client got everything). Strings from
 * the upstream are made well-formed so the event can be stored.
 */
export function proxyEvent(call: ProxiedCall, maxEventBytes: number): Record<string, unknown> {
  const query = requestText(call.request);
  const model = call.answer.model || call.request.body.model;
  const event = {
    id: call.eventId,
    type: `proxy.${call.request.op.replace("/", ".")}`,
    source: `proxy:${call.upstream}`,
    timestamp: new Date(call.startedAt).toISOString(),
    outcome: call.status < 400 ? "success" : "failure",
    ...(query ? { query } : {}),
    ...(call.answer.text ? { response: call.answer.text.toWellFormed() } : {}),
    model: model.toWellFormed().slice(0, 200),
    latency_ms: call.latencyMs,
    ...(call.answer.tokensIn !== undefined ? { tokens_in: call.answer.tokensIn } : {}),
    ...(call.answer.tokensOut !== undefined ? { tokens_out: call.answer.tokensOut } : {}),
    attributes: {
      upstream: call.upstream,
      operation: call.request.op,
      status: call.status,
      stream: wantsStream(call.request),
      ...(call.clientRequestId ? { client_request_id: call.clientRequestId } : {}),
      ...(call.upstreamError ? { upstream_error: cutTo(call.upstreamError.toWellFormed(), MAX_LOGGED_ERROR_CHARS) } : {}),
    },
  };
  return fitWithin(event, Math.max(0, maxEventBytes - REDACTION_SLACK_BYTES));
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

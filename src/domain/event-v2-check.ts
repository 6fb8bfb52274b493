/**
 * The happy path of event validation, by hand: one pass over a v2 event that
 * accepts exactly what eventV2Schema accepts and answers what its `parse`
 * would (the same keys in the same order, so the stored JSON is identical),
 * without zod's per-field payloads and issue arrays. It only ever says "valid"
 * or "not sure": anything it does not accept goes to zod, which accepts it or
 * names the field and why (see parseEventV2). Equivalence with the schema is
 * property-tested (test/workers/event-v2-check.test.ts).
 */
import { type EventV2, eventV2Schema, type FieldError, toFieldErrors } from "./event-schema";
import { parseClientTimestamp } from "./timestamps";

/** The schema's keys in its own order: zod's output lists them so. */
const EVENT_KEYS = Object.keys(eventV2Schema.shape) as (keyof EventV2)[];
const EVENT_KEY_SET: ReadonlySet<string> = new Set(EVENT_KEYS);
const MESSAGE_KEYS: ReadonlySet<string> = new Set(["role", "content", "name", "tool_calls", "tool_call_id"]);
const ROLES: ReadonlySet<unknown> = new Set(["system", "developer", "user", "assistant", "tool"]);
const OUTCOMES: ReadonlySet<unknown> = new Set(["success", "partial", "failure", "unknown"]);

type Obj = Record<string, unknown>;

/** An object literal's kind of object (what JSON.parse builds): anything else is left to zod. */
const isPlain = (v: unknown): v is Obj => typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** Only these keys, none inherited (a plain object's prototype has no enumerable ones). */
function onlyKeys(v: Obj, allowed: ReadonlySet<string>, max: number): boolean {
  let n = 0;
  for (const k in v) {
    if (!allowed.has(k) || ++n > max) return false;
  }
  return true;
}

const text = (v: unknown, max: number) => typeof v === "string" && v.length >= 1 && v.length <= max;
const optText = (v: unknown, max: number) => v === undefined || text(v, max);
const optString = (v: unknown) => v === undefined || typeof v === "string";
const count = (v: unknown) => v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0);

/**
 * A record of any values (`z.record(z.string(), z.unknown())`): zod copies it
 * key by key, leaving out an own `__proto__`; without one the copy serialises
 * exactly as the object does, so the object itself is kept.
 */
const record = (v: unknown) => v === undefined || (isPlain(v) && !Object.hasOwn(v, "__proto__"));

const TOOL_CALL_KEYS: ReadonlySet<string> = new Set(["id", "type", "function"]);
const CALLED_KEYS: ReadonlySet<string> = new Set(["name", "arguments"]);

function toolCall(v: unknown): Obj | undefined {
  if (!isPlain(v) || !onlyKeys(v, TOOL_CALL_KEYS, 3) || !text(v.id, 200) || v.type !== "function") return undefined;
  const f = v.function;
  if (!isPlain(f) || !onlyKeys(f, CALLED_KEYS, 2) || !text(f.name, 200) || typeof f.arguments !== "string") return undefined;
  return { id: v.id, type: v.type, function: { name: f.name, arguments: f.arguments } };
}

/** A content part (`z.looseObject({ type })`): `type` first, then the other keys in their order, an own `__proto__` dropped. */
function contentPart(v: unknown): Obj | undefined {
  if (!isPlain(v) || !text(v.type, 64)) return undefined;
  const out: Obj = { type: v.type };
  for (const k in v) if (k !== "type" && k !== "__proto__") out[k] = v[k];
  return out;
}

function mapAll(v: unknown, max: number, min: number, item: (x: unknown) => Obj | undefined): Obj[] | undefined {
  if (!Array.isArray(v) || v.length > max || v.length < min) return undefined;
  const out: Obj[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const r = item(v[i]);
    if (r === undefined) return undefined;
    out[i] = r;
  }
  return out;
}

/** A shape-ordered copy; keys whose value is undefined are left out (JSON would drop them too). */
function put(out: Obj, key: string, value: unknown): void {
  if (value !== undefined) out[key] = value;
}

function message(v: unknown): Obj | undefined {
  if (!isPlain(v) || !onlyKeys(v, MESSAGE_KEYS, 5) || !ROLES.has(v.role)) return undefined;
  let content = v.content;
  if (content !== undefined && content !== null && typeof content !== "string") {
    content = mapAll(content, 200, 0, contentPart);
    if (content === undefined) return undefined;
  }
  if (!optText(v.name, 200) || !optText(v.tool_call_id, 200)) return undefined;
  let toolCalls = v.tool_calls;
  if (toolCalls !== undefined) {
    toolCalls = mapAll(toolCalls, 128, 0, toolCall);
    if (toolCalls === undefined) return undefined;
  }
  const out: Obj = { role: v.role };
  // `content: null` is kept: it is a value, not an absence.
  if (v.content !== undefined) out.content = content;
  put(out, "name", v.name);
  put(out, "tool_calls", toolCalls);
  put(out, "tool_call_id", v.tool_call_id);
  return out;
}

const TOOL_KEYS: ReadonlySet<string> = new Set(["type", "function"]);
const FUNCTION_KEYS: ReadonlySet<string> = new Set(["name", "description", "parameters", "strict"]);

function tool(v: unknown): Obj | undefined {
  if (!isPlain(v) || !onlyKeys(v, TOOL_KEYS, 2) || v.type !== "function") return undefined;
  const f = v.function;
  if (!isPlain(f) || !onlyKeys(f, FUNCTION_KEYS, 4) || !text(f.name, 200) || !optString(f.description) || !record(f.parameters)) return undefined;
  if (f.strict !== undefined && typeof f.strict !== "boolean") return undefined;
  const fn: Obj = { name: f.name };
  put(fn, "description", f.description);
  put(fn, "parameters", f.parameters);
  put(fn, "strict", f.strict);
  return { type: v.type, function: fn };
}

function tags(v: unknown): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v) || v.length > 50) return false;
  for (let i = 0; i < v.length; i++) if (!text(v[i], 100)) return false;
  return true;
}

/** A valid event as eventV2Schema.parse answers it, and its client time in epoch ms. */
export interface CheckedEvent {
  event: EventV2;
  clientTimeMs: number;
}

/**
 * The event as `eventV2Schema.parse(value)` would answer it (serialised, the
 * same JSON), or undefined when the value is not one this check accepts: then
 * zod decides, and says why (parseEventV2).
 */
export function checkEventV2(value: unknown): CheckedEvent | undefined {
  if (!isPlain(value) || !onlyKeys(value, EVENT_KEY_SET, EVENT_KEYS.length)) return undefined;
  const v = value;
  const sv = v.schema_version;
  if (sv !== undefined && sv !== 1 && sv !== 2) return undefined;
  if (!text(v.id, 200) || !text(v.type, 100) || !text(v.source, 100)) return undefined;
  const ts = v.timestamp;
  if (!(typeof ts === "number" || (typeof ts === "string" && ts.length <= 64))) return undefined;
  const clientTimeMs = parseClientTimestamp(ts);
  if (clientTimeMs === null) return undefined;
  if (!optText(v.session_id, 200) || !optText(v.interaction_id, 200) || !optString(v.query) || !optString(v.response)) return undefined;
  if (v.outcome !== undefined && !OUTCOMES.has(v.outcome)) return undefined;
  const fb = v.feedback;
  if (fb !== undefined && fb !== null && fb !== -1 && fb !== 0 && fb !== 1) return undefined;
  const latency = v.latency_ms;
  if (latency !== undefined && !(typeof latency === "number" && Number.isFinite(latency) && latency >= 0)) return undefined;
  if (!optText(v.model, 200) || !count(v.tokens_in) || !count(v.tokens_out) || !tags(v.tags) || !record(v.attributes)) return undefined;
  let messages = v.messages;
  if (messages !== undefined) {
    messages = mapAll(messages, 1000, 1, message);
    if (messages === undefined) return undefined;
  }
  let tools = v.tools;
  if (tools !== undefined) {
    tools = mapAll(tools, 128, 0, tool);
    if (tools === undefined) return undefined;
  }
  if (!optText(v.trace_id, 128) || !optText(v.span_id, 128) || !optText(v.parent_id, 128)) return undefined;
  const out: Obj = {};
  for (let i = 0; i < EVENT_KEYS.length; i++) {
    const key = EVENT_KEYS[i] as string;
    put(out, key, key === "messages" ? messages : key === "tools" ? tools : v[key]);
  }
  return { event: out as EventV2, clientTimeMs };
}

export type ParsedEventV2 = ({ ok: true } & CheckedEvent) | { ok: false; errors: FieldError[] };

/**
 * Validates one v2 event: the hand-written check first, zod when it does not
 * accept the value (zod then names every field and why; should zod accept
 * what the check did not, zod's answer is taken, so the two can only differ in speed).
 */
export function parseEventV2(value: unknown): ParsedEventV2 {
  const fast = checkEventV2(value);
  if (fast) return { ok: true, ...fast };
  const parsed = eventV2Schema.safeParse(value);
  if (!parsed.success) return { ok: false, errors: toFieldErrors(parsed.error) };
  return { ok: true, event: parsed.data, clientTimeMs: parseClientTimestamp(parsed.data.timestamp) as number };
}

import { type Message, messageSchema, type Tool, toolSchema } from "./event-schema";
import {
  type ConventionDetails,
  type ConventionMessages,
  conventionDetails,
  conventionTools,
  langfuseMessages,
  openInferenceMessages,
  openLlmetryMessages,
  vercelAiMessages,
  vercelAiToolCall,
} from "./otlp-conventions";
import { asText, parsed } from "./json-values";

/**
 * The whole conversation of one OpenTelemetry GenAI span, as v2 `messages` and `tools`.
 *
 * Attribute and event values arrive here already turned into plain JSON values
 * (OTLP kvlist → object, array → array), so every source may be a JSON string
 * or structured. Sources, first that yields a message wins (they are not mixed):
 *
 *  1. semconv 1.37+: `gen_ai.system_instructions` (→ the first message, role
 *     system), `gen_ai.input.messages`, `gen_ai.output.messages`, each read from
 *     the span's attributes or, when the span lacks that key, from a
 *     `gen_ai.client.inference.operation.details` event (the span attribute wins).
 *  2. semconv 1.28–1.36: the `gen_ai.system.message`, `gen_ai.user.message`,
 *     `gen_ai.assistant.message`, `gen_ai.tool.message` and `gen_ai.choice`
 *     span events, in event order.
 *  3. semconv ≤1.27: `gen_ai.prompt` / `gen_ai.completion` (span attributes, or
 *     the `gen_ai.content.prompt` / `gen_ai.content.completion` events) → a user
 *     and an assistant message (a JSON array of chat messages is read as such).
 *  4. an `execute_tool` span: `gen_ai.tool.name`, `gen_ai.tool.call.id` and
 *     `gen_ai.tool.call.arguments` → an assistant message with that one tool
 *     call, `gen_ai.tool.call.result` → the `tool` message answering it.
 *
 * Then the other instrumentations' own forms (read in src/domain/otlp-conventions.ts):
 *
 *  5. OpenLLMetry: `gen_ai.prompt.{i}.role/content/tool_call_id/tool_calls.{j}.*`,
 *     then `gen_ai.completion.{i}.role/content/finish_reason/tool_calls.{j}.id/name/arguments`,
 *     in index order. Every completion index is kept (Anthropic and Bedrock
 *     number content blocks, not alternatives); a `thinking` completion
 *     becomes an assistant message with one reasoning part.
 *  6. OpenInference: `llm.input_messages.{i}.message.*` then
 *     `llm.output_messages.{i}.message.*` (`role`, `content` or
 *     `contents.{k}.message_content.type/text/image.image.url`,
 *     `tool_calls.{j}.tool_call.id/function.name/function.arguments`, `tool_call_id`, `name`).
 *  7. Vercel AI SDK: `ai.prompt.messages` (string or `text` / `reasoning` /
 *     `tool-call` / `tool-result` parts; each tool result its own `tool`
 *     message), then one assistant message of `ai.response.reasoning`,
 *     `ai.response.text` and `ai.response.toolCalls`.
 *  8. Vercel AI SDK tool executions (`ai.toolCall` spans): `ai.toolCall.name/id/args`
 *     → an assistant tool call, `ai.toolCall.result` → its `tool` message.
 *  9. Langfuse generations: `langfuse.observation.input` then
 *     `langfuse.observation.output` (a JSON array of chat messages, an object
 *     with `messages`, one message, or plain text: user in, assistant out).
 *
 * `tools` come from the first that has any: `gen_ai.tool.definitions` (span
 * attribute wins over the operation-details event; flat `{ name, parameters |
 * inputSchema | input_schema }` or OpenAI's `{ type, function }`), `llm.request.functions.{i}.*`,
 * `llm.tools.{i}.tool.json_schema`, `ai.prompt.tools`, the `tools` of a
 * Langfuse input object, whatever source gave the messages.
 *
 * `details` carries what those instrumentations say of model, token counts,
 * session (`langfuse.session.id`) and tags (`langfuse.trace.tags`, OpenInference's
 * `tag.tags`); semconv attributes, read in otlp.ts, win over them.
 *
 * Decisions:
 *  - `reasoning` parts are kept, as content parts `{ type: "reasoning", text }`
 *    (not text: query/response derivation ignores them).
 *  - A `tool_call_response` part becomes its own `tool` message (tool_call_id =
 *    its id, content = the response, JSON text unless it is a string), placed
 *    where the part was; the other parts of that message stay in a message of
 *    the original role. An assistant message holding responses sums up a run
 *    (the AI SDK's `invoke_agent` output: final text, calls, responses): it is
 *    told as it happened, calls first, then their responses, then the rest.
 *  - A message whose only part is one text part gets string content; otherwise
 *    content is the list of parts. Unknown part types are kept as sent. An
 *    empty text beside tool calls is no content (OpenAI's `null` is kept as sent).
 *  - A tool call without an id gets `call_<n>` (n counts the span's calls); one
 *    without a name is dropped.
 *  - `finish_reason` has no place in a message: the output messages' reasons
 *    are returned apart (`finishReasons`) for the event's attributes.
 *  - Of `gen_ai.choice` events only choice 0 (or without index) is kept: other
 *    indices are alternatives, not turns of the conversation.
 *  - Anything that is not a valid v2 message or tool (unknown role, no text and
 *    no tool call, …) is skipped, never an error. Beyond the schema's limits the
 *    most recent 1000 messages and the first 128 tools, parts and calls are kept.
 */
export interface SpanConversation {
  messages: Message[];
  tools: Tool[];
  finishReasons: string[];
  /** The messages came from one of sources 5–9 (a span that may carry no `gen_ai.*` attribute). */
  fromConvention: boolean;
  details: ConventionDetails;
}

export interface SpanEventValues {
  name: string;
  attrs: Map<string, unknown>;
}

export const OPERATION_DETAILS_EVENT = "gen_ai.client.inference.operation.details";

const MAX_MESSAGES = 1000;
const MAX_PARTS = 200;
const MAX_TOOL_CALLS = 128;
const MAX_TOOLS = 128;

type Obj = Record<string, unknown>;
type ToolCall = NonNullable<Message["tool_calls"]>[number];
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const nonEmpty = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
const ROLES = new Set<string>(["system", "developer", "user", "assistant", "tool"]);

class Builder {
  readonly messages: Message[] = [];
  private calls = 0;

  /** Adds a message if it is valid v2 and carries something. */
  push(m: Message) {
    const hasContent = typeof m.content === "string" ? m.content !== "" : Array.isArray(m.content) && m.content.length > 0;
    if (!hasContent && !m.tool_calls?.length && m.role !== "tool") return;
    const ok = messageSchema.safeParse(m);
    if (ok.success) this.messages.push(ok.data);
  }

  toolCall(id: unknown, name: unknown, args: unknown): ToolCall | undefined {
    const fn = nonEmpty(name);
    if (!fn) return undefined;
    this.calls++;
    const callId = typeof id === "string" && id !== "" ? id : typeof id === "number" ? String(id) : `call_${this.calls}`;
    return { id: callId.slice(0, 200), type: "function", function: { name: fn.slice(0, 200), arguments: asText(args) } };
  }

  /** One message in the semconv 1.37 shape (`role`, `parts`) or OpenAI's (`role`, `content`, `tool_calls`). */
  add(raw: unknown, defaultRole?: string) {
    if (!isObj(raw)) return;
    const role = typeof raw.role === "string" && raw.role !== "" ? raw.role : defaultRole;
    if (!role || !ROLES.has(role)) return;
    const base: Pick<Message, "role" | "name"> = { role: role as Message["role"] };
    const name = nonEmpty(raw.name);
    if (name && name.length <= 200) base.name = name;
    if (Array.isArray(raw.parts)) this.addParts(base, runOrder(base.role, raw.parts), nonEmpty(raw.tool_call_id) ?? nonEmpty(raw.id));
    else this.addChat(base, raw);
  }

  private addParts(base: Pick<Message, "role" | "name">, parts: unknown[], toolCallId: string | undefined) {
    let content: Obj[] = [];
    let calls: NonNullable<Message["tool_calls"]> = [];
    const flush = () => {
      if (!content.length && !calls.length) return;
      const only = content.length === 1 && content[0]?.type === "text" ? content[0].text : undefined;
      this.push({
        ...base,
        ...(content.length ? { content: typeof only === "string" ? only : (content.slice(0, MAX_PARTS) as Message["content"]) } : {}),
        ...(calls.length ? { tool_calls: calls.slice(0, MAX_TOOL_CALLS) } : {}),
        ...(base.role === "tool" && toolCallId ? { tool_call_id: toolCallId.slice(0, 200) } : {}),
      });
      content = [];
      calls = [];
    };
    for (const p of parts) {
      if (!isObj(p) || typeof p.type !== "string" || p.type === "" || p.type.length > 64) continue;
      const text = typeof p.content === "string" ? p.content : typeof p.text === "string" ? p.text : undefined;
      if (p.type === "text" || p.type === "reasoning") {
        if (text !== undefined) content.push({ type: p.type, text });
      } else if (p.type === "tool_call") {
        const call = this.toolCall(p.id, p.name, p.arguments);
        if (call) calls.push(call);
      } else if (p.type === "tool_call_response") {
        flush();
        const id = nonEmpty(p.id) ?? (typeof p.id === "number" ? String(p.id) : undefined);
        this.push({ role: "tool", content: asText(p.response), ...(id ? { tool_call_id: id.slice(0, 200) } : {}) });
      } else {
        content.push({ ...p });
      }
    }
    flush();
  }

  private addChat(base: Pick<Message, "role" | "name">, raw: Obj) {
    let content: Message["content"];
    const c = parsedContent(raw.content);
    if (typeof c === "string" || c === null) content = c;
    else if (Array.isArray(c)) {
      content = c
        .filter((p): p is Obj => isObj(p) && typeof p.type === "string" && p.type !== "" && p.type.length <= 64)
        .map((p) => (p.type === "text" && typeof p.text !== "string" && typeof p.content === "string" ? { type: "text", text: p.content } : p))
        .slice(0, MAX_PARTS) as Message["content"];
    } else if (c !== undefined) content = asText(c);
    const rawCalls = parsed(raw.tool_calls);
    const calls = (Array.isArray(rawCalls) ? rawCalls : [])
      .filter(isObj)
      .map((tc) => {
        const fn = isObj(tc.function) ? tc.function : tc;
        return this.toolCall(tc.id, fn.name, fn.arguments);
      })
      .filter((tc) => tc !== undefined)
      .slice(0, MAX_TOOL_CALLS);
    const toolCallId = nonEmpty(raw.tool_call_id) ?? (base.role === "tool" ? nonEmpty(raw.id) : undefined);
    // A call-only answer's empty text (OpenInference writes `content: ""` for a streamed one) is no content.
    if (content === "" && calls.length) content = undefined;
    this.push({
      ...base,
      ...(content !== undefined ? { content } : {}),
      ...(calls.length ? { tool_calls: calls } : {}),
      ...(toolCallId ? { tool_call_id: toolCallId.slice(0, 200) } : {}),
    });
  }
}

const partType = (p: unknown) => (isObj(p) ? p.type : undefined);

/**
 * The parts of an assistant message that also holds the responses to its tool
 * calls, in the order they happened: the calls, their responses, then the rest.
 * Such a message sums up a whole run (the Vercel AI SDK's `invoke_agent` output
 * is its final text, then every call, then every response); any other is as sent.
 */
function runOrder(role: string, parts: unknown[]): unknown[] {
  if (role !== "assistant" || !parts.some((p) => partType(p) === "tool_call_response")) return parts;
  const rank = (p: unknown) => (partType(p) === "tool_call" ? 0 : partType(p) === "tool_call_response" ? 1 : 2);
  // Array.prototype.sort is stable: parts of one kind keep their order.
  return [...parts].sort((a, b) => rank(a) - rank(b));
}

/** OpenAI content: a string, null, or a list of parts; a string holding a JSON list of parts is read as the list. */
function parsedContent(v: unknown): unknown {
  if (typeof v === "string" && v.startsWith("[")) {
    const p = parsed(v);
    if (Array.isArray(p) && p.length > 0 && p.every((x) => isObj(x) && typeof x.type === "string")) return p;
  }
  return v;
}

/** A messages value (JSON string or structured) as a list; a non-JSON string is one message of `fallbackRole`. */
function messageList(v: unknown, fallbackRole: string): unknown[] {
  if (v === undefined || v === null || v === "") return [];
  const p = parsed(v);
  if (p === undefined) return typeof v === "string" ? [{ role: fallbackRole, content: v }] : [];
  if (Array.isArray(p)) return p;
  return isObj(p) ? [p] : [];
}

function fromSemconv137(lookup: (key: string) => unknown, b: Builder, finishReasons: string[]) {
  const instructions = lookup("gen_ai.system_instructions");
  if (instructions !== undefined && instructions !== "") {
    const p = parsed(instructions);
    if (p === undefined && typeof instructions === "string") b.add({ role: "system", content: instructions });
    else if (Array.isArray(p)) b.add({ role: "system", parts: p });
    else if (isObj(p)) b.add(Array.isArray(p.parts) ? { role: "system", ...p } : { role: "system", parts: [p] });
    else if (typeof p === "string") b.add({ role: "system", content: p });
  }
  for (const m of messageList(lookup("gen_ai.input.messages"), "user")) b.add(m);
  for (const m of messageList(lookup("gen_ai.output.messages"), "assistant")) {
    b.add(m, "assistant");
    const reason = isObj(m) ? nonEmpty(m.finish_reason) : undefined;
    if (reason) finishReasons.push(reason);
  }
}

function fromMessageEvents(events: readonly SpanEventValues[], b: Builder, finishReasons: string[]) {
  for (const e of events) {
    const a = e.attrs;
    switch (e.name) {
      case "gen_ai.system.message":
      case "gen_ai.user.message":
      case "gen_ai.assistant.message":
      case "gen_ai.tool.message": {
        const role = e.name.slice("gen_ai.".length, -".message".length);
        b.add({ role: a.get("role"), content: a.get("content"), tool_calls: a.get("tool_calls"), tool_call_id: a.get("id") }, role);
        break;
      }
      case "gen_ai.choice": {
        const index = a.get("index");
        if (index !== undefined && Number(index) !== 0) break;
        const message = parsed(a.get("message"));
        const m = isObj(message) ? message : { content: a.get("content"), tool_calls: a.get("tool_calls") };
        b.add({ ...m, role: isObj(message) && message.role ? message.role : "assistant" }, "assistant");
        const reason = nonEmpty(a.get("finish_reason"));
        if (reason) finishReasons.push(reason);
        break;
      }
    }
  }
}

function fromLegacy(attrs: Map<string, unknown>, events: readonly SpanEventValues[], b: Builder) {
  const fromEvents = (name: string, key: string) => {
    for (const e of events) if (e.name === name && e.attrs.get(key) !== undefined) return e.attrs.get(key);
    return undefined;
  };
  const legacy = (v: unknown, role: string) => {
    if (v === undefined || v === "") return;
    const p = parsed(v);
    if (Array.isArray(p) && p.some((m) => isObj(m) && typeof m.role === "string")) for (const m of p) b.add(m, role);
    else b.add({ role, content: asText(v) });
  };
  legacy(attrs.get("gen_ai.prompt") ?? fromEvents("gen_ai.content.prompt", "gen_ai.prompt"), "user");
  legacy(attrs.get("gen_ai.completion") ?? fromEvents("gen_ai.content.completion", "gen_ai.completion"), "assistant");
}

/** The attributes of an `execute_tool` span that hold the call and its result (stored as messages, not again as attributes). */
export const TOOL_EXECUTION_CONTENT = ["gen_ai.tool.call.arguments", "gen_ai.tool.call.result"] as const;

/** An `execute_tool` span: the call it ran (an assistant tool call) and its result (a `tool` message). */
function fromToolExecution(attrs: Map<string, unknown>, b: Builder) {
  if (attrs.get("gen_ai.operation.name") !== "execute_tool") return;
  const call = b.toolCall(attrs.get("gen_ai.tool.call.id"), attrs.get("gen_ai.tool.name"), attrs.get("gen_ai.tool.call.arguments") ?? "");
  if (!call) return;
  b.push({ role: "assistant", tool_calls: [call] });
  const result = attrs.get("gen_ai.tool.call.result");
  if (result !== undefined) b.push({ role: "tool", tool_call_id: call.id, content: asText(result) });
}

function toolList(v: unknown): Tool[] {
  const p = parsed(v);
  const list = Array.isArray(p) ? p : isObj(p) ? [p] : [];
  return validTools(list);
}

function validTools(list: readonly unknown[]): Tool[] {
  const tools: Tool[] = [];
  for (const t of list) {
    if (!isObj(t) || (t.type !== undefined && t.type !== "function")) continue;
    const fn = isObj(t.function) ? t.function : t;
    // The Vercel AI SDK writes `inputSchema` (gen_ai.tool.definitions too), Anthropic `input_schema`.
    const parameters = parsed(fn.parameters ?? fn.inputSchema ?? fn.input_schema);
    const tool = {
      type: "function" as const,
      function: {
        name: fn.name,
        ...(typeof fn.description === "string" ? { description: fn.description } : {}),
        ...(isObj(parameters) ? { parameters } : {}),
        ...(typeof fn.strict === "boolean" ? { strict: fn.strict } : {}),
      },
    };
    const ok = toolSchema.safeParse(tool);
    if (ok.success) tools.push(ok.data);
    if (tools.length >= MAX_TOOLS) break;
  }
  return tools;
}

/** The conversation and tools of a GenAI span, from its attributes and events (see the module comment for the order). */
export function spanConversation(attrs: Map<string, unknown>, events: readonly SpanEventValues[]): SpanConversation {
  const details = events.find((e) => e.name === OPERATION_DETAILS_EVENT)?.attrs;
  const lookup = (key: string) => attrs.get(key) ?? details?.get(key);
  let finishReasons: string[] = [];
  let b = new Builder();
  fromSemconv137(lookup, b, finishReasons);
  if (!b.messages.length) {
    b = new Builder();
    finishReasons = [];
    fromMessageEvents(events, b, finishReasons);
  }
  if (!b.messages.length) {
    b = new Builder();
    fromLegacy(attrs, events, b);
  }
  if (!b.messages.length) {
    b = new Builder();
    fromToolExecution(attrs, b);
  }
  let fromConvention = false;
  const conventions: ((a: Map<string, unknown>) => ConventionMessages)[] = [
    openLlmetryMessages,
    openInferenceMessages,
    vercelAiMessages,
    vercelAiToolCall,
    langfuseMessages,
  ];
  for (const read of conventions) {
    if (b.messages.length) break;
    b = new Builder();
    try {
      const found = read(attrs);
      for (const m of found.messages) b.add(m);
      if (b.messages.length) {
        finishReasons = found.finishReasons;
        fromConvention = true;
      }
    } catch {
      // Malformed input is never an error: the next source is tried.
    }
  }
  const messages = b.messages.length > MAX_MESSAGES ? b.messages.slice(-MAX_MESSAGES) : b.messages;
  let tools = toolList(lookup("gen_ai.tool.definitions"));
  let conventionInfo: ConventionDetails = { tags: [], usage: {} };
  try {
    if (!tools.length) tools = validTools(conventionTools(attrs));
    conventionInfo = conventionDetails(attrs);
  } catch {
    // As above.
  }
  return { messages, tools, finishReasons, fromConvention, details: conventionInfo };
}

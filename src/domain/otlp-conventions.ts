import { asText, parsed } from "./json-values";
/**
 * GenAI spans written by instrumentations that do not follow the OpenTelemetry
 * GenAI semantic conventions, read into raw chat messages in OpenAI's shape
 * (`{ role, content, tool_calls, tool_call_id }`) and raw tool definitions, for
 * src/domain/otlp-messages.ts to validate. Nothing here throws: what cannot be
 * read is left out.
 *
 *  - OpenLLMetry (Traceloop): `gen_ai.prompt.{i}.*` / `gen_ai.completion.{i}.*`
 *    flattened messages, `llm.request.functions.{i}.*` tools.
 *  - OpenInference (Arize / Phoenix): `llm.input_messages.{i}.message.*` /
 *    `llm.output_messages.{i}.message.*`, `llm.finish_reason`, `llm.tools.{i}.tool.json_schema`,
 *    `llm.model_name`, `llm.token_count.*`, `tag.tags`.
 *  - Vercel AI SDK (its own `ai.*` telemetry): `ai.prompt.messages`,
 *    `ai.response.text`, `ai.response.toolCalls`, `ai.prompt.tools`,
 *    `ai.model.id`, `ai.usage.*`. Only the provider-call spans
 *    (`ai.generateText.doGenerate`, `…doStream`) carry `ai.prompt.messages`;
 *    the outer `ai.generateText` span repeats their result and is not read.
 *    An `ai.toolCall` span (`ai.toolCall.name/id/args/result`) is a tool
 *    execution: its call and result.
 *  - Langfuse: `langfuse.observation.input` / `langfuse.observation.output`
 *    (a JSON array of chat messages, an object with `messages`, a single
 *    message, or plain text) of generation observations, `langfuse.session.id`,
 *    `langfuse.trace.tags`, `langfuse.observation.model.name`,
 *    `langfuse.observation.usage_details`.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const nonEmpty = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : typeof v === "string" && /^\d{1,15}$/.test(v) ? Number(v) : undefined);

/** Role names other projects use, as v2 roles; unknown roles pass through (and are dropped by validation). */
const ROLE_ALIASES: Record<string, string> = { human: "user", ai: "assistant", model: "assistant", function: "tool" };
const role = (v: unknown, fallback?: string) => {
  const r = typeof v === "string" && v !== "" ? v.toLowerCase() : fallback;
  return r === undefined ? undefined : (ROLE_ALIASES[r] ?? r);
};

/** Content parts as they are, or one text part's text alone (as the semconv readers do). */
const contentOf = (parts: Obj[]): string | Obj[] | undefined =>
  parts.length === 0 ? undefined : parts.length === 1 && parts[0]?.type === "text" && typeof parts[0].text === "string" ? parts[0].text : parts;

/**
 * The entries of a flattened list: `<prefix>.<i>.<rest>` keys grouped by `i`
 * (ascending), each as a map of `rest` → value. `prefix` ends without a dot.
 */
function indexed(attrs: ReadonlyMap<string, unknown>, prefix: string): Map<string, unknown>[] {
  const groups = new Map<number, Map<string, unknown>>();
  const head = `${prefix}.`;
  for (const [k, v] of attrs) {
    if (!k.startsWith(head)) continue;
    const m = /^(\d{1,6})\.(.+)$/.exec(k.slice(head.length));
    if (!m) continue;
    const i = Number(m[1]);
    let g = groups.get(i);
    if (!g) groups.set(i, (g = new Map()));
    g.set(m[2] as string, v);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, g]) => g);
}

export interface ConventionMessages {
  messages: unknown[];
  finishReasons: string[];
}

// ── OpenLLMetry ──────────────────────────────────────────────────────

function openLlmetryMessage(g: Map<string, unknown>, fallbackRole: string): Obj {
  const r = role(g.get("role"), fallbackRole);
  const calls = indexed(g, "tool_calls").map((c) => ({ id: c.get("id"), name: c.get("name"), arguments: c.get("arguments") }));
  if (!calls.length && nonEmpty(g.get("function_call.name")))
    calls.push({ id: undefined, name: g.get("function_call.name"), arguments: g.get("function_call.arguments") });
  const content = g.get("content");
  // Anthropic's extended thinking arrives as its own "thinking" completion.
  if (r === "thinking") return { role: "assistant", content: typeof content === "string" ? [{ type: "reasoning", text: content }] : undefined };
  return { role: r, content, tool_calls: calls, tool_call_id: g.get("tool_call_id") };
}

/** `gen_ai.prompt.{i}.*` then `gen_ai.completion.{i}.*`, each in index order. */
export function openLlmetryMessages(attrs: ReadonlyMap<string, unknown>): ConventionMessages {
  const messages: unknown[] = indexed(attrs, "gen_ai.prompt").map((g) => openLlmetryMessage(g, "user"));
  const finishReasons: string[] = [];
  for (const g of indexed(attrs, "gen_ai.completion")) {
    messages.push(openLlmetryMessage(g, "assistant"));
    const reason = nonEmpty(g.get("finish_reason"));
    if (reason) finishReasons.push(reason);
  }
  return { messages, finishReasons };
}

// ── OpenInference ────────────────────────────────────────────────────

function openInferenceMessage(g: Map<string, unknown>, fallbackRole: string): Obj {
  const parts: Obj[] = [];
  for (const c of indexed(g, "message.contents")) {
    const type = nonEmpty(c.get("message_content.type"));
    if (type === "text") {
      const text = c.get("message_content.text");
      if (typeof text === "string") parts.push({ type: "text", text });
    } else if (type === "image") {
      const url = nonEmpty(c.get("message_content.image.image.url"));
      if (url) parts.push({ type: "image_url", image_url: { url } });
    } else if (type) {
      parts.push({ type, ...(typeof c.get("message_content.text") === "string" ? { text: c.get("message_content.text") } : {}) });
    }
  }
  const calls = indexed(g, "message.tool_calls").map((c) => ({
    id: c.get("tool_call.id"),
    name: c.get("tool_call.function.name"),
    arguments: c.get("tool_call.function.arguments"),
  }));
  return {
    role: role(g.get("message.role"), fallbackRole),
    content: g.get("message.content") ?? contentOf(parts),
    tool_calls: calls,
    tool_call_id: g.get("message.tool_call_id"),
    name: g.get("message.name"),
  };
}

/** `llm.input_messages.{i}.message.*` then `llm.output_messages.{i}.message.*`; `llm.finish_reason` is the answer's reason. */
export function openInferenceMessages(attrs: ReadonlyMap<string, unknown>): ConventionMessages {
  const reason = nonEmpty(attrs.get("llm.finish_reason"));
  return {
    messages: [
      ...indexed(attrs, "llm.input_messages").map((g) => openInferenceMessage(g, "user")),
      ...indexed(attrs, "llm.output_messages").map((g) => openInferenceMessage(g, "assistant")),
    ],
    finishReasons: reason ? [reason] : [],
  };
}

// ── Vercel AI SDK ────────────────────────────────────────────────────

const vercelCall = (p: Obj) => ({ id: p.toolCallId, name: p.toolName, arguments: p.input ?? p.args });

/** A tool result's text: v5 wraps it as `{ type: "text" | "json" | …, value }`. */
function vercelResult(p: Obj): string {
  const out = p.output ?? p.result;
  if (isObj(out) && typeof out.type === "string" && "value" in out) return asText(out.value);
  return asText(out);
}

/** One `ai.prompt.messages` entry as one or more OpenAI-shaped messages (each tool result its own `tool` message). */
function vercelMessage(m: unknown): Obj[] {
  if (!isObj(m)) return [];
  const r = role(m.role);
  if (!Array.isArray(m.content)) return [{ role: r, content: typeof m.content === "string" ? m.content : undefined }];
  const out: Obj[] = [];
  let parts: Obj[] = [];
  let calls: Obj[] = [];
  const flush = () => {
    if (parts.length || calls.length) out.push({ role: r, content: contentOf(parts), tool_calls: calls });
    parts = [];
    calls = [];
  };
  for (const p of m.content) {
    if (!isObj(p) || typeof p.type !== "string") continue;
    if (p.type === "text" || p.type === "reasoning") {
      if (typeof p.text === "string") parts.push({ type: p.type, text: p.text });
    } else if (p.type === "tool-call") calls.push(vercelCall(p));
    else if (p.type === "tool-result") {
      flush();
      out.push({ role: "tool", tool_call_id: p.toolCallId, content: vercelResult(p) });
    } else parts.push({ ...p });
  }
  flush();
  return out;
}

/** `ai.prompt.messages`, then the answer: `ai.response.reasoning`, `ai.response.text` and `ai.response.toolCalls` as one assistant message. */
export function vercelAiMessages(attrs: ReadonlyMap<string, unknown>): ConventionMessages {
  const prompt = parsed(attrs.get("ai.prompt.messages"));
  if (!Array.isArray(prompt)) return { messages: [], finishReasons: [] };
  const messages = prompt.flatMap(vercelMessage);
  const parts: Obj[] = [];
  const reasoning = nonEmpty(attrs.get("ai.response.reasoning"));
  if (reasoning) parts.push({ type: "reasoning", text: reasoning });
  const text = nonEmpty(attrs.get("ai.response.text"));
  if (text) parts.push({ type: "text", text });
  const rawCalls = parsed(attrs.get("ai.response.toolCalls"));
  const calls = Array.isArray(rawCalls) ? rawCalls.filter(isObj).map(vercelCall) : [];
  if (parts.length || calls.length) messages.push({ role: "assistant", content: contentOf(parts), tool_calls: calls });
  const reason = nonEmpty(attrs.get("ai.response.finishReason"));
  return { messages, finishReasons: reason ? [reason] : [] };
}

/** An `ai.toolCall` span (the AI SDK's tool execution): the call and its result, as an assistant call and a `tool` answer. */
export function vercelAiToolCall(attrs: ReadonlyMap<string, unknown>): ConventionMessages {
  const name = nonEmpty(attrs.get("ai.toolCall.name"));
  if (!name) return { messages: [], finishReasons: [] };
  const id = attrs.get("ai.toolCall.id");
  const result = attrs.get("ai.toolCall.result");
  return {
    messages: [
      { role: "assistant", tool_calls: [{ id, name, arguments: attrs.get("ai.toolCall.args") }] },
      ...(result !== undefined ? [{ role: "tool", tool_call_id: id, content: asText(result) }] : []),
    ],
    finishReasons: [],
  };
}

// ── Langfuse ─────────────────────────────────────────────────────────

/** Langfuse reads input/output only for generations; other observations (spans, tools, chains) hold function arguments. */
const isLangfuseGeneration = (attrs: ReadonlyMap<string, unknown>) => {
  const type = attrs.get("langfuse.observation.type");
  return type === undefined || type === "generation";
};

function langfuseList(v: unknown, fallbackRole: string): unknown[] {
  if (v === undefined || v === null || v === "") return [];
  const p = parsed(v);
  if (p === undefined || typeof p === "string") return [{ role: fallbackRole, content: typeof p === "string" ? p : v }];
  if (Array.isArray(p)) return p.filter((m) => isObj(m) && typeof m.role === "string");
  if (!isObj(p)) return [];
  if (Array.isArray(p.messages)) return p.messages.filter((m) => isObj(m) && typeof m.role === "string");
  if (typeof p.role === "string") return [p];
  return [];
}

/** `langfuse.observation.input` then `langfuse.observation.output` (plain text in the output is the assistant's). */
export function langfuseMessages(attrs: ReadonlyMap<string, unknown>): ConventionMessages {
  if (!isLangfuseGeneration(attrs)) return { messages: [], finishReasons: [] };
  return {
    messages: [
      ...langfuseList(attrs.get("langfuse.observation.input"), "user"),
      ...langfuseList(attrs.get("langfuse.observation.output"), "assistant").map((m) => (isObj(m) && !m.role ? { ...m, role: "assistant" } : m)),
    ],
    finishReasons: [],
  };
}

// ── Tools ────────────────────────────────────────────────────────────

/**
 * Tool definitions of the first of these that has any (raw, OpenAI-shaped or
 * flat `{ name, description, parameters }`): `llm.request.functions.{i}.*`,
 * `llm.tools.{i}.tool.json_schema`, `ai.prompt.tools`, the `tools` of a
 * Langfuse generation's input object.
 */
export function conventionTools(attrs: ReadonlyMap<string, unknown>): unknown[] {
  const functions = indexed(attrs, "llm.request.functions").map((g) => ({
    name: g.get("name"),
    description: g.get("description"),
    parameters: g.get("parameters"),
  }));
  if (functions.length) return functions;
  const schemas = indexed(attrs, "llm.tools").map((g) => parsed(g.get("tool.json_schema")));
  if (schemas.length) return schemas;
  const aiTools = parsed(attrs.get("ai.prompt.tools"));
  if (Array.isArray(aiTools) && aiTools.length) {
    return aiTools.map(parsed).map((t) => (isObj(t) && t.parameters === undefined && t.inputSchema !== undefined ? { ...t, parameters: t.inputSchema } : t));
  }
  if (isLangfuseGeneration(attrs)) {
    const input = parsed(attrs.get("langfuse.observation.input"));
    if (isObj(input) && Array.isArray(input.tools)) return input.tools;
  }
  return [];
}

// ── Model, usage, session, tags ──────────────────────────────────────

export interface ConventionDetails {
  /** The GenAI operation a span without `gen_ai.operation.name` stands for (`execute_tool` for an AI SDK `ai.toolCall`). */
  operation?: string;
  model?: string;
  tokensIn?: number;
  tokensOut?: number;
  sessionId?: string;
  tags: string[];
  /** Numeric usage attributes these projects write outside `gen_ai.*` (`llm.token_count.*`, `llm.usage.*`, `ai.usage.*`), under their own names. */
  usage: Record<string, number>;
}

const USAGE_KEY = /^(llm\.token_count|llm\.usage|ai\.usage)\.[A-Za-z0-9_.]{1,100}$/;

function stringList(v: unknown): string[] {
  const p = parsed(v);
  const list = Array.isArray(p) ? p : typeof v === "string" && p === undefined ? v.split(",") : [];
  return list.filter((t): t is string => typeof t === "string").map((t) => t.trim());
}

/** Model, token counts, session and tags the non-semconv instrumentations write (semconv values, read in otlp.ts, win). */
export function conventionDetails(attrs: ReadonlyMap<string, unknown>): ConventionDetails {
  const usageDetails = parsed(attrs.get("langfuse.observation.usage_details"));
  const lf = isObj(usageDetails) ? usageDetails : {};
  const usage: Record<string, number> = {};
  for (const [k, v] of attrs) {
    const n = num(v);
    if (n !== undefined && USAGE_KEY.test(k)) usage[k] = n;
  }
  const first = <T>(...vs: (T | undefined)[]) => vs.find((v) => v !== undefined);
  const tags = [...new Set([...stringList(attrs.get("langfuse.trace.tags")), ...stringList(attrs.get("tag.tags"))])].filter((t) => t !== "" && t.length <= 100);
  const details: ConventionDetails = { tags, usage };
  const model = first(nonEmpty(attrs.get("llm.model_name")), nonEmpty(attrs.get("ai.model.id")), nonEmpty(attrs.get("langfuse.observation.model.name")));
  const tokensIn = first(
    num(attrs.get("llm.token_count.prompt")),
    num(attrs.get("ai.usage.promptTokens")),
    num(attrs.get("ai.usage.inputTokens")),
    num(lf.input),
    num(lf.prompt_tokens),
  );
  const tokensOut = first(
    num(attrs.get("llm.token_count.completion")),
    num(attrs.get("ai.usage.completionTokens")),
    num(attrs.get("ai.usage.outputTokens")),
    num(lf.output),
    num(lf.completion_tokens),
  );
  const sessionId = nonEmpty(attrs.get("langfuse.session.id"));
  if (nonEmpty(attrs.get("ai.toolCall.name"))) details.operation = "execute_tool";
  if (model) details.model = model;
  if (tokensIn !== undefined) details.tokensIn = tokensIn;
  if (tokensOut !== undefined) details.tokensOut = tokensOut;
  if (sessionId) details.sessionId = sessionId;
  return details;
}

/** Whether a span without `gen_ai.*` attributes is still an LLM call by one of these conventions. */
export function isConventionGeneration(attrs: ReadonlyMap<string, unknown>): boolean {
  return (
    attrs.has("llm.model_name") ||
    [...attrs.keys()].some((k) => k.startsWith("llm.input_messages.") || k.startsWith("llm.output_messages.")) ||
    attrs.has("ai.prompt.messages") ||
    attrs.get("langfuse.observation.type") === "generation"
  );
}

import { messageText } from "../conversation";
import type { Message, Outcome } from "../event-schema";
import { isScrubbedText } from "../legacy/scrubbed";

/**
 * A heuristic judge of the answer an event carries: a small table of rules
 * (refusals, empty answers, error text, truncation, unfinished tool calls,
 * failed tool results), each with a score. Pure and cheap: it runs on every
 * event, scans at most the first {@link HEAD_CHARS} characters of any text and
 * never uses a regex that can backtrack badly. docs/answer-quality.md has the table.
 */

/** What the judge looks at; every field is optional, and nothing to judge is quality null. */
export interface QualityInput {
  messages?: readonly Message[];
  query?: string;
  /** The answer; when absent, the last assistant text of `messages`. */
  response?: string;
  /** The finish reasons of the answer (`gen_ai.response.finish_reasons`, a proxy's `finish_reason`); `length` = truncated. */
  finishReasons?: readonly string[];
  outcome?: Outcome;
}

/** One rule that matched: its id, its score and a short reason or snippet (at most {@link DETAIL_CHARS} characters). */
export interface QualityRuleHit {
  rule: string;
  score: number;
  detail: string;
}

/** Quality in [0, 1] (null: nothing to judge), whether the event is a non-answer, and the rules that matched. */
export interface QualityVerdict {
  quality: number | null;
  non_answer: boolean;
  hits: QualityRuleHit[];
}

/** A rule of the table: `test` returns why it matched (a short detail), or undefined. */
export interface QualityRule {
  id: string;
  description: string;
  /** A hit makes the event a non-answer: never high value, never a pattern or example. */
  nonAnswer: boolean;
  score: number;
  test(input: QualityInput): string | undefined;
}

/** How much of any text the rules scan. */
export const HEAD_CHARS = 2000;
/** The longest detail of a hit. */
export const DETAIL_CHARS = 120;

// ---------------------------------------------------------------------------
// Facts: what the rules read, derived once per input.

interface Facts {
  /** The answer text when there is one (real content, not a scrub marker). */
  answer: string | undefined;
  /** The answer was given (or derived) but is a scrub marker: it cannot be judged. */
  scrubbed: boolean;
  /** There is something to judge: a response (even empty) or a conversation. */
  judgeable: boolean;
  /** The last assistant message with tool calls that no final answer follows, if any: its tool names. */
  pendingToolCalls: string[] | undefined;
  /** Tool results came back after those pending calls (the conversation ends on a tool result). */
  pendingHasResults: boolean;
  /** The texts of the last tool results: those after the last assistant tool calls (else the last tool message). */
  lastToolResults: string[];
  finishReasons: string[];
  outcome: Outcome | undefined;
}

function textOf(message: Message): string | undefined {
  try {
    return messageText(message);
  } catch {
    return undefined;
  }
}

function toolNames(message: Message): string[] {
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  return calls.map((c) => (typeof c?.function?.name === "string" ? c.function.name : "?"));
}

function analyse(input: QualityInput): Facts {
  const messages = Array.isArray(input.messages) ? input.messages.filter((m): m is Message => typeof m === "object" && m !== null) : [];
  let lastAssistant = -1;
  let lastCalls = -1;
  let lastTool = -1;
  let lastAssistantText: string | undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as Message;
    if (m.role === "assistant") {
      if (lastAssistant < 0) lastAssistant = i;
      if (lastCalls < 0 && toolNames(m).length > 0) lastCalls = i;
      if (lastAssistantText === undefined) lastAssistantText = textOf(m);
    } else if (m.role === "tool" && lastTool < 0) lastTool = i;
    if (lastAssistant >= 0 && lastCalls >= 0 && lastTool >= 0 && lastAssistantText !== undefined) break;
  }

  const given = typeof input.response === "string" ? input.response : undefined;
  const raw = given ?? lastAssistantText;
  const scrubbed = raw !== undefined && raw.trim() !== "" && isScrubbedText(raw.slice(0, 200));
  const answer = raw === undefined || scrubbed || raw.trim() === "" ? undefined : raw;

  let pendingToolCalls: string[] | undefined;
  let pendingHasResults = false;
  if (lastAssistant >= 0) {
    const m = messages[lastAssistant] as Message;
    const names = toolNames(m);
    // Only tool results (no user turn, no final answer) follow the last assistant message.
    const tail = messages.slice(lastAssistant + 1);
    if (names.length > 0 && tail.every((t) => t.role === "tool")) {
      pendingToolCalls = names;
      pendingHasResults = tail.length > 0;
    }
  }
  const finishReasons = Array.isArray(input.finishReasons)
    ? input.finishReasons.filter((r): r is string => typeof r === "string").map((r) => r.trim().toLowerCase())
    : [];
  // Without an assistant message to read, a tool-call finish reason says the same.
  if (lastAssistant < 0 && finishReasons.some((r) => TOOL_FINISH.has(r))) pendingToolCalls = [];

  const results = lastCalls >= 0 ? messages.slice(lastCalls + 1).filter((m) => m.role === "tool") : lastTool >= 0 ? [messages[lastTool] as Message] : [];
  const lastToolResults = results
    .map(textOf)
    .filter((t): t is string => t !== undefined && !isScrubbedText(t.slice(0, 200)))
    .slice(0, MAX_TOOL_RESULTS);
  return {
    answer,
    scrubbed,
    judgeable: given !== undefined || messages.length > 0,
    pendingToolCalls,
    pendingHasResults,
    lastToolResults,
    finishReasons,
    outcome: input.outcome,
  };
}

/** How many of the last tool results are checked for failure. */
const MAX_TOOL_RESULTS = 32;
/** Finish reasons that mean the answer was cut at the token limit. */
const TRUNCATED_FINISH = new Set(["length", "max_tokens", "max_output_tokens", "model_length"]);
/** Finish reasons that mean the model stopped to call a tool. */
const TOOL_FINISH = new Set(["tool_calls", "tool_use", "function_call"]);

/** A short, one-line snippet of a text for a hit's detail. */
function snippet(text: string, max = DETAIL_CHARS): string {
  const flat = text
    .slice(0, max * 2)
    .replace(/\s+/g, " ")
    .trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

// ---------------------------------------------------------------------------
// Refusals.

/** Phrases that open a refusal or a non-answer, lower case, straight apostrophes. */
const REFUSAL_OPENERS = [
  "i'm not sure",
  "i am not sure",
  "im not sure",
  "not sure",
  "i'm not certain",
  "i am not certain",
  "i don't know",
  "i do not know",
  "i dont know",
  "dunno",
  "no idea",
  "i have no idea",
  "i'm unable to",
  "i am unable to",
  "unable to help",
  "i'm not able to",
  "i am not able to",
  "as an ai language model",
  "as an ai model",
  "as a language model",
  "i do not have access",
  "i don't have access",
  "i do not have the ability",
  "i don't have the ability",
  "i do not have enough information",
  "i don't have enough information",
  "i do not have information",
  "i don't have information",
  "i don't have real-time",
  "i do not have real-time",
  "i'm afraid i can't",
  "i'm afraid i cannot",
  "i'm not allowed to",
  "i am not allowed to",
  "i must decline",
  "i have to decline",
  "i'm not in a position to",
  "n/a",
];

/** "I can't / cannot / won't …" is a refusal only with one of these verbs after it ("I can't stress enough" is not). */
const REFUSAL_MODALS = ["i can't", "i cannot", "i can not", "i cant", "i won't", "i will not", "i wont", "i'm not going to", "we can't", "we cannot"];
const REFUSAL_VERBS = new Set(
  "help assist answer do provide comply fulfill fulfil support share give access process complete browse open see view verify say tell be discuss engage create generate write make offer perform determine find confirm predict".split(
    " ",
  ),
);

/** Words that may precede a refusal: "Sorry, but I can't …", "Unfortunately, I don't know." */
const REFUSAL_FILLERS = [
  "i'm sorry",
  "i am sorry",
  "i'm really sorry",
  "im sorry",
  "sorry",
  "unfortunately",
  "i apologize",
  "i apologise",
  "apologies",
  "my apologies",
  "hmm",
  "well",
  "honestly",
  "to be honest",
  "but",
  "however",
  "ah",
  "oh",
];

/** Other content after the refusal sentence beyond which the answer is substantive, not a refusal. */
const REFUSAL_MAX_REST = 200;
/** The longest refusal sentence; the rest of a longer one counts as other content. */
const REFUSAL_MAX_SENTENCE = 150;
/** Answers longer than this are never refusals (the refusal sentence, fillers, a lead and the rest cannot add up to it). */
const REFUSAL_QUICK_SKIP = 1500;
/** A refusal may open the second sentence when the first is at most this long ("Great question! I don't know."). */
const REFUSAL_MAX_LEAD = 80;

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && ((c >= "a" && c <= "z") || (c >= "0" && c <= "9"));
}

/** Lower case, straight apostrophes, collapsed spaces, no leading markup. */
function normalise(text: string): string {
  return text
    .slice(0, HEAD_CHARS)
    .toLowerCase()
    .replace(/[\u2018\u2019\u201b\u02bc\u0060\u00b4]/g, "'")
    .replace(/\s+/g, " ")
    .replace(/^[\s*_>#"'“”(\-[]+/, "");
}

/** The refusal phrase `s` opens with (after fillers), or undefined. */
function refusalAt(s: string): { phrase: string; at: number } | undefined {
  let i = 0;
  // Skip fillers and punctuation: "sorry, but", "unfortunately,".
  for (let guard = 0; guard < 6; guard++) {
    const filler = REFUSAL_FILLERS.find((f) => s.startsWith(f, i) && !isWordChar(s[i + f.length]));
    if (!filler) break;
    i += filler.length;
    while (i < s.length && " ,.!;:-—–".includes(s[i] as string)) i++;
  }
  const opener = REFUSAL_OPENERS.find((p) => s.startsWith(p, i) && (!isWordChar(p[p.length - 1]) || !isWordChar(s[i + p.length])));
  if (opener) return { phrase: opener, at: i };
  const modal = REFUSAL_MODALS.find((p) => s.startsWith(p, i) && !isWordChar(s[i + p.length]));
  if (modal) {
    const rest = s.slice(i + modal.length, i + modal.length + 40).trimStart();
    const verb = /^[a-z]+/.exec(rest)?.[0];
    if (verb !== undefined && REFUSAL_VERBS.has(verb)) return { phrase: `${modal} ${verb}`, at: i };
  }
  return undefined;
}

/** "… but <what follows>": an attempt at an answer, unless what follows is one of these deflections. */
const REFUSAL_DEFLECTIONS = [
  "i'd be happy",
  "i would be happy",
  "i'm happy",
  "i am happy",
  "i can help with",
  "i can help you with",
  "i'd be glad",
  "feel free",
  "let me know",
  "if you",
  "please",
  "you may want to consult",
  "you should consult",
  "you could consult",
  "i can't",
  "i cannot",
];
/** What must follow "but" in the refusal sentence for it to be an attempt at an answer ("I'm not sure, but I think it's 42"). */
const REFUSAL_MIN_ATTEMPT = 15;

/** The rest of the refusal sentence goes on to answer: "…, but try restarting it." */
function offersAnswer(sentence: string): boolean {
  const at = sentence.indexOf(" but ");
  if (at < 0) return false;
  const after = sentence.slice(at + 5).trim();
  return after.length >= REFUSAL_MIN_ATTEMPT && !REFUSAL_DEFLECTIONS.some((d) => after.startsWith(d));
}

const SENTENCE_END = ".!?\n";

function sentenceEnd(s: string, from: number): number {
  for (let i = from; i < s.length; i++) if (SENTENCE_END.includes(s[i] as string)) return i + 1;
  return s.length;
}

function refusal(f: Facts): string | undefined {
  if (f.answer === undefined) return undefined;
  const trimmed = f.answer.trim();
  // A refusal is short (a sentence, plus less than REFUSAL_MAX_REST of other content): skip long answers at once.
  if (trimmed.length > REFUSAL_QUICK_SKIP) return undefined;
  const s = normalise(trimmed).trim();
  let found = refusalAt(s);
  let lead = 0;
  if (!found) {
    const firstEnd = sentenceEnd(s, 0);
    if (firstEnd <= REFUSAL_MAX_LEAD && firstEnd < s.length) {
      const next = s.slice(firstEnd).trimStart();
      const second = refusalAt(next);
      if (second) {
        lead = firstEnd;
        found = { phrase: second.phrase, at: s.length - next.length + second.at };
      }
    }
  }
  if (!found) return undefined;
  // Other content: the lead sentence, what follows the refusal sentence, and any of that sentence past REFUSAL_MAX_SENTENCE.
  const end = sentenceEnd(s, found.at + found.phrase.length);
  const other = lead + (s.length - end) + Math.max(0, end - found.at - REFUSAL_MAX_SENTENCE);
  if (other >= REFUSAL_MAX_REST || offersAnswer(s.slice(found.at + found.phrase.length, end))) return undefined;
  return `refusal: "${snippet(trimmed, DETAIL_CHARS - 11)}"`;
}

// ---------------------------------------------------------------------------
// Error text.

/** "Error:", "TypeError: x", "java.lang.IllegalStateException: x", "Uncaught ReferenceError: x". */
const ERROR_HEADER = /^(?:uncaught |unhandled )?[\w.$]{0,80}(?:error|exception)(?::|$| \[| \()/i;
const ERROR_PREFIXES = [
  "traceback (most recent call last)",
  "exception in thread",
  "panic:",
  "fatal error:",
  "fatal:",
  "segmentation fault",
  "internal server error",
  "bad gateway",
  "service unavailable",
  "gateway timeout",
  "500 internal server error",
  "502 bad gateway",
  "503 service unavailable",
  "504 gateway timeout",
  "http 500",
  "http/1.1 500",
  "status 500",
  "stack trace:",
  "an error occurred",
  "an unexpected error occurred",
  "request failed with status code",
];
const HTTP_ERROR_PAGE = ["internal server error", "bad gateway", "service unavailable", "gateway timeout", "500 ", "502 ", "503 ", "504 "];
/** A stack frame: "    at foo (file.js:1:2)", '  File "x.py", line 3, in f', "\tat com.x.Y.z(Y.java:10)". */
const JS_FRAME = /^\s*at \S.{0,300}:\d+(?::\d+)?\)?\s*$/;
const PY_FRAME = /^\s*File "[^"]{1,300}", line \d+/;
/** Other content beyond which text that opens with an error is an answer about it, not the error itself. */
const ERROR_MAX_REST = 400;

function errorText(f: Facts): string | undefined {
  if (f.answer === undefined) return undefined;
  const head = f.answer.slice(0, HEAD_CHARS).trim();
  const lines = head.split("\n");
  const first = (lines.find((l) => l.trim() !== "" && !l.trim().startsWith("```")) ?? "").trim();
  const firstLower = first.toLowerCase();
  let frames = 0;
  let other = 0;
  for (const line of lines) {
    const t = line.trim();
    if (t === "" || t.startsWith("```") || t === first) continue;
    if (JS_FRAME.test(line) || PY_FRAME.test(line) || t.startsWith("^")) frames++;
    else other += t.length;
  }
  const restIsShort = other < ERROR_MAX_REST;
  if (/^<(?:!doctype html|html)/i.test(head)) {
    const lower = head.toLowerCase();
    const page = HTTP_ERROR_PAGE.find((p) => lower.includes(p));
    if (page !== undefined) return `HTTP error page: "${snippet(page.trim())}"`;
  }
  if (/^\{\s*"(?:error|errors)"\s*:/.test(head)) return `error JSON: ${snippet(head, DETAIL_CHARS - 12)}`;
  if (restIsShort && (ERROR_HEADER.test(first) || ERROR_PREFIXES.some((p) => firstLower.startsWith(p)))) {
    return `error text: "${snippet(first, DETAIL_CHARS - 15)}"`;
  }
  if (frames >= 2 && other < ERROR_MAX_REST / 2) return `stack trace (${frames} frames): "${snippet(first, DETAIL_CHARS - 30)}"`;
  return undefined;
}

// ---------------------------------------------------------------------------
// Tool results.

const TOOL_FAILURE_PREFIXES = ["error", "exception", "traceback", "fatal", "failed", "failure", "permission denied", "not found", "command not found"];
const TOOL_FAILURE_MARKERS = [
  "error:",
  "exception",
  "failed",
  "not found",
  "permission denied",
  "no such file",
  "timed out",
  "access denied",
  "unauthorized",
  "forbidden",
];
/** How much of a tool result the failure markers are looked for in: past that, it is the tool's data, not its status. */
const TOOL_SCAN_CHARS = 300;

/** Why a tool result reports a failure, or undefined. */
function toolFailure(text: string): string | undefined {
  const t = text.trim();
  const lower = t.slice(0, HEAD_CHARS).toLowerCase();
  if (lower.startsWith("{")) {
    const json = parseSmallJson(t);
    if (json !== undefined) {
      if (typeof json === "object" && json !== null && !Array.isArray(json)) {
        const o = json as Record<string, unknown>;
        if (o.error !== undefined && o.error !== null && o.error !== false && o.error !== "") return "JSON with an error";
        if (o.ok === false || o.success === false) return "JSON with ok/success false";
        if (typeof o.status === "string" && ["error", "failed", "failure"].includes(o.status.toLowerCase())) return `JSON with status ${o.status}`;
        if (typeof o.is_error === "boolean" && o.is_error) return "JSON with is_error";
      }
      return undefined;
    }
  }
  const prefix = TOOL_FAILURE_PREFIXES.find((p) => lower.startsWith(p) && !isWordChar(lower[p.length]));
  if (prefix) return `starts with "${prefix}"`;
  const scan = lower.slice(0, TOOL_SCAN_CHARS);
  for (const marker of TOOL_FAILURE_MARKERS) {
    const at = scan.indexOf(marker);
    if (at < 0) continue;
    // "0 failed", "no errors found" and the like are successes.
    if (marker === "failed" && /(?:^|\D)0 $/.test(scan.slice(Math.max(0, at - 3), at))) continue;
    return `contains "${marker}"`;
  }
  return undefined;
}

function parseSmallJson(text: string): unknown {
  if (text.length > 20_000) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function failedToolResult(f: Facts): string | undefined {
  if (f.outcome === "success") return undefined;
  for (const result of f.lastToolResults) {
    const why = toolFailure(result);
    if (why !== undefined) return `last tool result failed (${why}): "${snippet(result, 60)}"`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// The table.

function pendingDetail(f: Facts): string {
  const names = f.pendingToolCalls ?? [];
  const calls = names.length === 0 ? "a tool call (finish reason)" : `tool call${names.length > 1 ? "s" : ""} ${snippet(names.join(", "), 60)}`;
  return `ends on ${calls}${f.pendingHasResults ? " and its results" : ""}, no final answer`;
}

interface RuleDef extends Omit<QualityRule, "test"> {
  check(facts: Facts): string | undefined;
}

const RULES: readonly RuleDef[] = [
  {
    id: "empty",
    description: "No answer: the response is missing, empty or whitespace only, and the assistant made no tool call.",
    nonAnswer: true,
    score: 0,
    check: (f) => (f.judgeable && !f.scrubbed && f.answer === undefined && f.pendingToolCalls === undefined ? "no answer text" : undefined),
  },
  {
    id: "refusal",
    description: 'The answer is a refusal or a non-answer ("I don\'t know", "I can\'t help with that", "As an AI language model…").',
    nonAnswer: true,
    score: 0.05,
    check: refusal,
  },
  {
    id: "error_text",
    description: "The answer is error text: an error message, a stack trace, an HTTP error page or error JSON.",
    nonAnswer: true,
    score: 0.1,
    check: errorText,
  },
  {
    id: "tool_call_only",
    description: "The step ends on a tool call and the assistant wrote no text at all: an intermediate step, not an answer.",
    nonAnswer: true,
    score: 0.3,
    check: (f) => (f.pendingToolCalls !== undefined && f.answer === undefined && !f.scrubbed ? pendingDetail(f) : undefined),
  },
  {
    id: "unanswered_tool_call",
    description: "The conversation ends on assistant tool calls (or their results) with no final answer after them, though there is assistant text.",
    nonAnswer: false,
    score: 0.3,
    check: (f) => (f.pendingToolCalls !== undefined && (f.answer !== undefined || f.scrubbed) ? pendingDetail(f) : undefined),
  },
  {
    id: "truncated",
    description: "The answer was cut at the token limit (finish reason length / max_tokens).",
    nonAnswer: false,
    score: 0.4,
    check: (f) => {
      const reason = f.finishReasons.find((r) => TRUNCATED_FINISH.has(r));
      return reason === undefined ? undefined : `finish reason ${snippet(reason, 40)}`;
    },
  },
  {
    id: "failed_tool_result",
    description: "The last tool result reports a failure and no later tool call recovered from it (unless the outcome is success).",
    nonAnswer: false,
    score: 0.4,
    check: failedToolResult,
  },
];

/** The rule table, in the order the hits are listed. */
export const QUALITY_RULES: readonly QualityRule[] = RULES.map(({ check, ...rule }) => ({ ...rule, test: (input: QualityInput) => check(analyse(input)) }));

const NON_ANSWER_RULES = new Set(RULES.filter((r) => r.nonAnswer).map((r) => r.id));

/** Quality of an answer no rule matched: 0.6 when very short, rising toward 0.9 (never 1) with length. */
export function lengthQuality(chars: number): number {
  const extra = Math.max(0, chars - 20);
  return 0.6 + 0.3 * (1 - Math.exp(-extra / 400));
}

/**
 * Judges the answer of an event. Hits combine: quality is the lowest hit score,
 * and the event is a non-answer when any hit is. With no hit, quality follows the
 * answer's length; with nothing to judge (no answer, no conversation), it is null.
 */
export function judgeAnswer(input: QualityInput): QualityVerdict {
  const facts = analyse(input ?? {});
  const hits: QualityRuleHit[] = [];
  for (const rule of RULES) {
    let detail: string | undefined;
    try {
      detail = rule.check(facts);
    } catch {
      detail = undefined;
    }
    if (detail !== undefined) hits.push({ rule: rule.id, score: rule.score, detail: snippet(detail) });
  }
  const nonAnswer = hits.some((h) => NON_ANSWER_RULES.has(h.rule));
  if (hits.length > 0) return { quality: Math.min(...hits.map((h) => h.score)), non_answer: nonAnswer, hits };
  if (facts.answer === undefined) return { quality: null, non_answer: false, hits };
  return { quality: lengthQuality(facts.answer.trim().length), non_answer: false, hits };
}

import type { Tool } from "../event-schema";
import { canonicalJson } from "./canonical";
import type { ChatMessage } from "./example";

/** An answer with its rating (and maybe a better answer from feedback), for pairing. */
export interface RatedAnswer {
  event_id: string;
  /** The messages before the final assistant answer. */
  context: ChatMessage[];
  tools?: Tool[];
  /** The final assistant message. */
  answer: ChatMessage;
  rating: -1 | 0 | 1 | null;
  /** Feedback's better answer: a text, or an assistant message. */
  correction?: string | ChatMessage;
}

/** One preference pair: a prompt context and a preferred and a non-preferred answer to it. */
export interface PreferencePair {
  input: { messages: ChatMessage[]; tools?: Tool[] };
  preferred_output: ChatMessage[];
  non_preferred_output: ChatMessage[];
  source_event_ids: string[];
}

/** At most this many pairs per context: a few very rated prompts do not crowd out the rest. */
export const MAX_PAIRS_PER_CONTEXT = 10;

/** The canonical JSON of a prompt context (its messages and tools): equal contexts, equal keys. */
export function contextKey(context: readonly ChatMessage[], tools?: readonly Tool[]): string {
  return canonicalJson({ messages: context, tools: tools && tools.length > 0 ? tools : undefined });
}

function asAssistant(correction: string | ChatMessage): ChatMessage {
  return typeof correction === "string" ? { role: "assistant", content: correction } : { ...correction, role: "assistant" };
}

interface Candidate {
  preferred: ChatMessage;
  rejected: ChatMessage;
  eventIds: string[];
  key: string;
}

/**
 * Preference pairs from rated answers. Within one context (the same messages
 * before the answer, the same tools): every +1 answer with every −1 answer
 * (the +1 preferred), and every answer with a `correction` against that
 * correction (as an assistant message, preferred). An answer never pairs with
 * an identical one; equal pairs (same context and both answers) are one, its
 * event ids merged. Pairs are sorted by their canonical JSON, context by
 * context, and at most {@link MAX_PAIRS_PER_CONTEXT} (the first by that order)
 * are kept per context.
 */
export function preferencePairs(answers: readonly RatedAnswer[]): PreferencePair[] {
  const byContext = new Map<string, RatedAnswer[]>();
  for (const a of answers) {
    const key = contextKey(a.context, a.tools);
    const group = byContext.get(key);
    if (group) group.push(a);
    else byContext.set(key, [a]);
  }
  const pairs: PreferencePair[] = [];
  for (const key of [...byContext.keys()].sort()) {
    const group = byContext.get(key) ?? [];
    const first = group[0];
    if (!first) continue;
    const candidates = new Map<string, Candidate>();
    const add = (preferred: ChatMessage, rejected: ChatMessage, eventIds: string[]) => {
      const p = canonicalJson(preferred);
      const r = canonicalJson(rejected);
      if (p === r) return;
      const pairKey = `${p}\n${r}`;
      const existing = candidates.get(pairKey);
      if (existing) existing.eventIds.push(...eventIds);
      else candidates.set(pairKey, { preferred, rejected, eventIds: [...eventIds], key: pairKey });
    };
    const good = group.filter((a) => a.rating === 1);
    const bad = group.filter((a) => a.rating === -1);
    for (const g of good) for (const b of bad) add(g.answer, b.answer, [g.event_id, b.event_id]);
    for (const a of group) if (a.correction !== undefined) add(asAssistant(a.correction), a.answer, [a.event_id]);
    const kept = [...candidates.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)).slice(0, MAX_PAIRS_PER_CONTEXT);
    for (const c of kept) {
      pairs.push({
        input: { messages: [...first.context], ...(first.tools && first.tools.length > 0 ? { tools: [...first.tools] } : {}) },
        preferred_output: [c.preferred],
        non_preferred_output: [c.rejected],
        source_event_ids: [...new Set(c.eventIds)].sort(),
      });
    }
  }
  return pairs;
}

/**
 * The cheap check in front of the expressions, as gitleaks does with its
 * `keywords`: one pass over the text through an Aho–Corasick automaton of
 * every keyword of the rules in force. Text holding none — most prose — skips
 * every expensive expression; text holding some runs only the rules whose
 * keywords it holds, in catalogue order. Keywords match in the case their
 * rule's pattern does: exactly, or in any case when it has the `i` flag.
 */
import type { RedactionRule } from "./redaction-rule";

interface Keyword {
  text: string;
  /** False for the keywords of case-insensitive rules. */
  exact: boolean;
}

/** A keyword automaton over ASCII, matching in any case (exact keywords are checked on a hit). */
interface Automaton {
  /** Column of each ASCII character in the transition table, both cases alike; 0 for characters no keyword has. */
  column: Uint8Array;
  /**
   * Transitions, failure links folded in. A state is its row offset
   * (`index * columns`), so `next[state + column]` is the next state.
   */
  next: Uint32Array;
  /** 1 at each state where a keyword ends: the loop's one test per character. */
  ends: Uint8Array;
  /** Keywords ending at each such state, those of its failure chain included. */
  output: ReadonlyMap<number, readonly number[]>;
}

export interface Prefilter extends Automaton {
  keywords: readonly Keyword[];
  entries: readonly { rule: RedactionRule; keywords: readonly number[] }[];
  /** Rules without keywords: they always run. */
  unconditional: readonly RedactionRule[];
}

const lower = (code: number) => (code >= 65 && code <= 90 ? code | 0x20 : code);

function automaton(keywords: readonly Keyword[]): Automaton {
  const column = new Uint8Array(128);
  let columns = 1;
  for (const { text } of keywords) {
    for (let i = 0; i < text.length; i++) {
      const c = lower(text.charCodeAt(i));
      if (c >= 128) throw new Error(`redaction keyword ${JSON.stringify(text)} is not ASCII`);
      if (column[c] === 0) column[c] = columns++;
      if (c >= 97 && c <= 122) column[c - 32] = column[c]!;
    }
  }
  // The trie of the keywords, states numbered 0…n-1 for now.
  const trie: number[][] = [new Array(columns).fill(-1)];
  const ending: number[][] = [[]];
  keywords.forEach(({ text }, id) => {
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const col = column[text.charCodeAt(i)]!;
      if (trie[s]![col] === -1) {
        trie[s]![col] = trie.length;
        trie.push(new Array(columns).fill(-1));
        ending.push([]);
      }
      s = trie[s]![col]!;
    }
    ending[s]!.push(id);
  });
  // Failure links, breadth first: a missing transition follows the failure state's.
  const next = new Uint32Array(trie.length * columns);
  const fail = new Array<number>(trie.length).fill(0);
  const queue: number[] = [];
  for (let col = 0; col < columns; col++) {
    const t = trie[0]![col]!;
    next[col] = Math.max(t, 0);
    if (t > 0) queue.push(t);
  }
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q]!;
    ending[s]!.push(...ending[fail[s]!]!);
    for (let col = 0; col < columns; col++) {
      const t = trie[s]![col]!;
      const viaFailure = next[fail[s]! * columns + col]!;
      if (t === -1) next[s * columns + col] = viaFailure;
      else {
        fail[t] = viaFailure;
        next[s * columns + col] = t;
        queue.push(t);
      }
    }
  }
  for (let i = 0; i < next.length; i++) next[i] = next[i]! * columns;
  const output = new Map(ending.flatMap((ids, s) => (ids.length ? [[s * columns, ids] as const] : [])));
  const ends = new Uint8Array(next.length);
  for (const state of output.keys()) ends[state] = 1;
  return { column, next, ends, output };
}

function compile(rules: readonly RedactionRule[]): Prefilter {
  const keywords: Keyword[] = [];
  const idOf = new Map<string, number>();
  const entries = rules.map((rule) => {
    const exact = !rule.pattern.flags.includes("i");
    const ids = (rule.keywords ?? []).map((text) => {
      const key = `${exact ? "=" : "~"}${text}`;
      let id = idOf.get(key);
      if (id === undefined) idOf.set(key, (id = keywords.push({ text, exact }) - 1));
      return id;
    });
    return { rule, keywords: ids };
  });
  return { ...automaton(keywords), keywords, entries, unconditional: rules.filter((r) => !r.keywords?.length) };
}

const compiled = new WeakMap<readonly RedactionRule[], Prefilter>();

/** The pre-filter for a rule list, compiled once per list. */
export function prefilterFor(rules: readonly RedactionRule[]): Prefilter {
  let p = compiled.get(rules);
  if (!p) compiled.set(rules, (p = compile(rules)));
  return p;
}

/** The rules worth running on `text`, in order. */
export function rulesToRun(p: Prefilter, text: string): readonly RedactionRule[] {
  const { column, next, ends, output, keywords } = p;
  let found: Set<number> | undefined;
  let state = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    state = next[state + (c < 128 ? column[c]! : 0)]!;
    if (ends[state] === 0) continue;
    for (const id of output.get(state)!) {
      const k = keywords[id]!;
      if (!k.exact || text.startsWith(k.text, i + 1 - k.text.length)) (found ??= new Set()).add(id);
    }
  }
  if (!found) return p.unconditional;
  const present = found;
  return p.entries.filter((e) => e.keywords.length === 0 || e.keywords.some((id) => present.has(id))).map((e) => e.rule);
}

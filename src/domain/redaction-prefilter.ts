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
  /**
   * Column of each UTF-16 code unit in the transition table, both cases alike;
   * 0 for characters no keyword has (all of those at or past 128): one read a
   * character, no range test.
   */
  column: Uint8Array;
  /**
   * Transitions, failure links folded in. A state is its row offset (`index · columns`, columns even), so
   * `next[state + column]` is the next state, plus 1 where a keyword ends in it: the loop's one test a character is
   * that low bit. Uint16 while the offsets fit (the shipped catalogue needs ~34,000: a 67 KB table, half what
   * Uint32 took, with no separate end flags), else Uint32.
   */
  next: Uint16Array | Uint32Array;
  /** Keywords ending at each such state (by offset), those of its failure chain included. */
  output: ReadonlyMap<number, readonly number[]>;
}

export interface Prefilter extends Automaton {
  keywords: readonly Keyword[];
  entries: readonly { rule: RedactionRule; keywords: readonly number[] }[];
  /** Rules without keywords: they always run. */
  unconditional: readonly RedactionRule[];
}

const lower = (code: number) => (code >= 65 && code <= 90 ? code | 0x20 : code);

/** A state of the keyword trie while the automaton is built. */
class TrieNode {
  /** Its number, given breadth first: the root is 0. */
  index = 0;
  readonly children = new Map<number, TrieNode>();
  /** The keywords ending here, those of its failure chain included once links are made. */
  readonly ending: number[] = [];
  /** The state for the longest proper suffix that is also in the trie (the root for none); the root's is itself. */
  fail: TrieNode = this;
}

function automaton(keywords: readonly Keyword[]): Automaton {
  const column = new Uint8Array(0x10000);
  let columns = 1;
  for (const { text } of keywords) {
    // An empty keyword would end at the root, which the table cannot flag (a rule that must always run has none).
    if (text.length === 0) throw new Error("a redaction keyword is empty: give the rule no keywords to run it on every text");
    for (let i = 0; i < text.length; i++) {
      const c = lower(text.charCodeAt(i));
      if (c >= 128) throw new Error(`redaction keyword ${JSON.stringify(text)} is not ASCII`);
      // 0 is "no column yet": the first keyword holding the character gives it the next one.
      const col = column[c] || (column[c] = columns++);
      if (c >= 97 && c <= 122) column[c - 32] = col;
    }
  }
  // The trie of the keywords.
  const root = new TrieNode();
  keywords.forEach(({ text }, id) => {
    let node = root;
    for (let i = 0; i < text.length; i++) {
      // Every keyword character got a column above.
      const col = column[text.charCodeAt(i)] ?? 0;
      let child = node.children.get(col);
      if (!child) node.children.set(col, (child = new TrieNode()));
      node = child;
    }
    node.ending.push(id);
  });
  // Breadth first: states numbered in visiting order, failure links made, a failure's keywords inherited.
  const order: TrieNode[] = [root];
  // for…of reads `order` to its current end each step, so it visits the children pushed while it runs.
  for (const node of order) {
    for (const [col, child] of node.children) {
      child.index = order.length;
      order.push(child);
      let f = node.fail;
      while (f !== root && !f.children.has(col)) f = f.fail;
      const target = f.children.get(col);
      child.fail = node === root || target === undefined ? root : target;
      child.ending.push(...child.fail.ending);
    }
  }
  // Transitions with failure links folded in: a missing one follows the failure state's, whose row
  // (it is shallower, so earlier in `order`) is already filled: `?? 0` is never taken.
  const width = columns + (columns & 1); // even: every offset's low bit is free for the end flag
  const size = order.length * width;
  const next = size <= 0x10000 ? new Uint16Array(size) : new Uint32Array(size);
  for (const node of order) {
    for (let col = 0; col < columns; col++) {
      const child = node.children.get(col);
      next[node.index * width + col] = child
        ? child.index * width + (child.ending.length ? 1 : 0)
        : node === root
          ? 0
          : (next[node.fail.index * width + col] ?? 0);
    }
  }
  const output = new Map(order.flatMap((node) => (node.ending.length ? [[node.index * width, node.ending] as const] : [])));
  return { column, next, output };
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
  const { column, next, output, keywords } = p;
  let found: Set<number> | undefined;
  let state = 0;
  for (let i = 0, n = text.length; i < n; i++) {
    // Both reads are in range (a code unit indexes `column`; a state plus a column is in `next`).
    const v = next[state + (column[text.charCodeAt(i)] as number)] as number;
    if ((v & 1) === 0) {
      state = v;
      continue;
    }
    state = v - 1;
    for (const id of output.get(state) ?? []) {
      const k = keywords[id];
      if (k && (!k.exact || text.startsWith(k.text, i + 1 - k.text.length))) (found ??= new Set()).add(id);
    }
  }
  if (!found) return p.unconditional;
  const present = found;
  return p.entries.filter((e) => e.keywords.length === 0 || e.keywords.some((id) => present.has(id))).map((e) => e.rule);
}

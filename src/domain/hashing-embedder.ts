/**
 * The built-in embedder: deterministic feature hashing of words and character
 * trigrams into a fixed-size, L2-normalised vector. No model, no network; good
 * enough to find near-identical and overlapping texts, which is what
 * reusability and near-duplicate detection need by default.
 */
import { isAscii } from "./utf8";

export const HASHING_EMBEDDER_MODEL = "gleaner-hash-v1";
export const HASHING_EMBEDDER_DIMENSION = 256;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** FNV-1a state after the prefixes "w:" and "t:" (word and trigram features share the hash, told apart by them). */
const WORD_SEED = Math.imul(Math.imul(FNV_OFFSET ^ 119, FNV_PRIME) ^ 58, FNV_PRIME);
const TRIGRAM_SEED = Math.imul(Math.imul(FNV_OFFSET ^ 116, FNV_PRIME) ^ 58, FNV_PRIME);
const CARET = 94;
const DOLLAR = 36;

/** Adds one feature of hash h (FNV-1a, unsigned) to v: its sign from the top bit, its slot h mod dimension. */
function add(v: Int32Array, hash: number, dimension: number): void {
  const h = hash | 0; // as int32: the top bit is the sign
  // A power-of-two dimension (the default) takes the slot by mask, in int32 arithmetic: the same as the unsigned modulo.
  const i = (dimension & (dimension - 1)) === 0 ? h & (dimension - 1) : (h >>> 0) % dimension;
  v[i] = (v[i] as number) + (h < 0 ? -1 : 1);
}

/**
 * Embeds one text; null when it has no word at all. Features: each word `w:word` and each character trigram
 * `t:xyz` of `^word$`, hashed as FNV-1a over their UTF-16 code units (computed in place, no feature strings).
 */
export function hashEmbed(text: string, dimension = HASHING_EMBEDDER_DIMENSION): Float32Array | null {
  // Feature counts are integers: summed exactly in an Int32Array, then scaled into the Float32Array once.
  const v = new Int32Array(dimension);
  // A code unit at or past 128 takes the general path (Unicode lower-casing and classes).
  const any = isAscii(text) ? embedAscii(text, v, dimension) : embedWords(text, v, dimension);
  return any ? normalise(v, dimension) : null;
}

/** ASCII word characters after lower-casing (what \p{L}, \p{N} and _ match below 128), lower-cased; 0: not one. */
const ASCII_WORD = (() => {
  const table = new Uint8Array(128);
  for (let c = 48; c <= 57; c++) table[c] = c;
  for (let c = 97; c <= 122; c++) table[c] = c;
  for (let c = 65; c <= 90; c++) table[c] = c + 32;
  table[95] = 95;
  return table;
})();

/**
 * The same features as {@link embedWords} in one pass over an all-ASCII text, with no lower-cased copy and no word
 * strings: each word's hash and its trigrams (rolling over the last two code units) as its characters go by; whether
 * the text had a word. The order of the additions differs from embedWords', which changes nothing: each adds ±1 to a
 * small integer, exactly.
 */
function embedAscii(text: string, v: Int32Array, dimension: number): boolean {
  let any = false;
  let inWord = false;
  let h = 0;
  let p2 = -1; // the code unit two back in ^word$, −1 at the word's first character
  let p1 = 0;
  const len = text.length;
  for (let i = 0; i <= len; i++) {
    // The caller checked every code unit is below 128; a space past the end closes the last word.
    const c = i < len ? (ASCII_WORD[text.charCodeAt(i)] as number) : 0;
    if (c !== 0) {
      if (!inWord) {
        inWord = true;
        any = true;
        h = WORD_SEED;
        p2 = -1;
        p1 = CARET;
      }
      h = Math.imul(h ^ c, FNV_PRIME);
      if (p2 >= 0) add(v, trigram(p2, p1, c), dimension);
      p2 = p1;
      p1 = c;
    } else if (inWord) {
      inWord = false;
      add(v, h, dimension);
      add(v, trigram(p2, p1, DOLLAR), dimension);
    }
  }
  return any;
}

/** The hash of the trigram feature `t:abc` (FNV-1a over its code units). */
function trigram(a: number, b: number, c: number): number {
  return Math.imul(Math.imul(Math.imul(TRIGRAM_SEED ^ a, FNV_PRIME) ^ b, FNV_PRIME) ^ c, FNV_PRIME);
}

/** Adds the features of every word of `text` (lower-cased, then \p{L}, \p{N} and _ runs) to v; false when it has none. */
function embedWords(text: string, v: Int32Array, dimension: number): boolean {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu);
  if (!words || words.length === 0) return false;
  for (const w of words) {
    let h = WORD_SEED;
    const len = w.length;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ w.charCodeAt(i), FNV_PRIME);
    add(v, h, dimension);
    // Trigrams of ^w$ (length len + 2): code unit j of it is ^ at 0, $ at len + 1, else w[j − 1].
    const at = (j: number) => (j === 0 ? CARET : j === len + 1 ? DOLLAR : w.charCodeAt(j - 1));
    for (let i = 0; i + 3 <= len + 2; i++) add(v, trigram(at(i), at(i + 1), at(i + 2)), dimension);
  }
  return true;
}

/** The counts v scaled to unit length; null for a zero vector. */
function normalise(v: Int32Array, dimension: number): Float32Array | null {
  let norm = 0;
  for (let i = 0; i < dimension; i++) norm += (v[i] as number) * (v[i] as number);
  if (norm === 0) return null;
  const inv = 1 / Math.sqrt(norm);
  const out = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) out[i] = (v[i] as number) * inv;
  return out;
}

/**
 * The built-in embedder: deterministic feature hashing of words and character
 * trigrams into a fixed-size, L2-normalised vector. No model, no network; good
 * enough to find near-identical and overlapping texts, which is what
 * reusability and near-duplicate detection need by default.
 */
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
function add(v: Float32Array, hash: number, dimension: number): void {
  const h = hash >>> 0;
  const i = h % dimension;
  // `?? 0`: i < dimension, and a new Float32Array holds zeros.
  v[i] = (v[i] ?? 0) + (h & 0x80000000 ? -1 : 1);
}

/**
 * Embeds one text; null when it has no word at all. Features: each word `w:word` and each character trigram
 * `t:xyz` of `^word$`, hashed as FNV-1a over their UTF-16 code units (computed in place, no feature strings).
 */
export function hashEmbed(text: string, dimension = HASHING_EMBEDDER_DIMENSION): Float32Array | null {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu);
  if (!words || words.length === 0) return null;
  const v = new Float32Array(dimension);
  for (const w of words) {
    let h = WORD_SEED;
    const len = w.length;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ w.charCodeAt(i), FNV_PRIME);
    add(v, h, dimension);
    // Trigrams of ^w$ (length len + 2): code unit j of it is ^ at 0, $ at len + 1, else w[j − 1].
    for (let i = 0; i + 3 <= len + 2; i++) {
      let t = TRIGRAM_SEED;
      for (let j = i; j < i + 3; j++) t = Math.imul(t ^ (j === 0 ? CARET : j === len + 1 ? DOLLAR : w.charCodeAt(j - 1)), FNV_PRIME);
      add(v, t, dimension);
    }
  }
  let norm = 0;
  for (let i = 0; i < dimension; i++) norm += (v[i] as number) * (v[i] as number);
  if (norm === 0) return null;
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimension; i++) v[i] = (v[i] as number) * inv;
  return v;
}

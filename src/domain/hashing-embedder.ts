/**
 * The built-in embedder: deterministic feature hashing of words and character
 * trigrams into a fixed-size, L2-normalised vector. No model, no network; good
 * enough to find near-identical and overlapping texts, which is what
 * reusability and near-duplicate detection need by default.
 */
export const HASHING_EMBEDDER_MODEL = "gleaner-hash-v1";
export const HASHING_EMBEDDER_DIMENSION = 256;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function features(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  const out: string[] = [];
  for (const w of words) {
    out.push(`w:${w}`);
    const padded = `^${w}$`;
    for (let i = 0; i + 3 <= padded.length; i++) out.push(`t:${padded.slice(i, i + 3)}`);
  }
  return out;
}

/** Embeds one text; null when it has no word at all. */
export function hashEmbed(text: string, dimension = HASHING_EMBEDDER_DIMENSION): Float32Array | null {
  const feats = features(text);
  if (feats.length === 0) return null;
  const v = new Float32Array(dimension);
  for (const f of feats) {
    const h = fnv1a(f);
    const i = h % dimension;
    // `?? 0`: i < dimension, and a new Float32Array holds zeros.
    v[i] = (v[i] ?? 0) + (h & 0x80000000 ? -1 : 1);
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  if (norm === 0) return null;
  const inv = 1 / Math.sqrt(norm);
  return v.map((x) => x * inv);
}

/** Dot product of two equal-length vectors (cosine similarity when both are normalised). */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  // `?? 0`: were `b` the shorter, the coordinates it lacks would count as zero.
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/** Keeps the best `k` (id, score) pairs seen, best first. */
export class TopK {
  readonly items: { id: string; score: number }[] = [];
  constructor(private readonly k: number) {}

  offer(id: string, score: number): void {
    const items = this.items;
    const worst = items.at(-1);
    if (items.length === this.k && worst !== undefined && score <= worst.score) return;
    // After every item at least as good: the first worse one, else the end.
    const at = items.findIndex((item) => item.score < score);
    items.splice(at === -1 ? items.length : at, 0, { id, score });
    if (items.length > this.k) items.pop();
  }
}

/** Bytes per String.fromCharCode call in vectorToBase64: far under any engine's argument limit. */
const BASE64_SLICE = 8192;

/** Float32 vector ⇄ base64 text, the form vectors take in D1 (blobs come back as number arrays, slowly). */
export function vectorToBase64(v: Float32Array): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  // A binary string built in slices (fromCharCode over many code units at once), not a character at a time.
  let bin = "";
  for (let i = 0; i < bytes.length; i += BASE64_SLICE) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + BASE64_SLICE) as unknown as number[]);
  return btoa(bin);
}

export function vectorFromBase64(text: string): Float32Array {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

/** base64 character code → its 6 bits (255: not base64). */
const BASE64_BITS = (() => {
  const table = new Uint8Array(128).fill(255);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

/**
 * Decodes base64 text straight into `target` (no intermediate string or buffer), at most `target.length` bytes;
 * returns how many were written. Padding ends the input; characters outside the alphabet are skipped, as `atob`
 * would refuse them.
 */
export function decodeBase64Into(text: string, target: Uint8Array): number {
  let bits = 0;
  let held = 0;
  let written = 0;
  const limit = target.length;
  for (let i = 0; i < text.length && written < limit; i++) {
    const code = text.charCodeAt(i);
    if (code === 61) break; // "="
    const v = code < 128 ? (BASE64_BITS[code] as number) : 255;
    if (v === 255) continue;
    bits = ((bits << 6) | v) & 0xffffff;
    held += 6;
    if (held >= 8) {
      held -= 8;
      target[written++] = (bits >> held) & 0xff;
    }
  }
  return written;
}

/** Rows of equal-length vectors packed into one contiguous matrix (row-major, `dim` = the first row's length). */
export function packRows(rows: readonly Float32Array[]): { matrix: Float32Array; dim: number } {
  const dim = rows[0]?.length ?? 0;
  const matrix = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as Float32Array;
    matrix.set(r.length > dim ? r.subarray(0, dim) : r, i * dim);
  }
  return { matrix, dim };
}

/**
 * The strictly lower triangle of the Gram matrix of `n` packed rows: entry i·n + j (j < i) is row i · row j.
 * One pass over contiguous memory instead of a `dot` call per pair.
 */
export function lowerGram(matrix: Float32Array, n: number, dim: number): Float64Array {
  const out = new Float64Array(n * n);
  // In doubles once (exact), and four rows j at a time against row i: each sum still runs over d in order, as `dot`'s
  // does, so every entry is the same number; the four share each load of row i.
  const m = Float64Array.from(matrix.subarray(0, n * dim));
  for (let i = 1; i < n; i++) {
    const oi = i * dim;
    let j = 0;
    for (; j + 4 <= i; j += 4) {
      const o0 = j * dim;
      const o1 = o0 + dim;
      const o2 = o1 + dim;
      const o3 = o2 + dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let d = 0; d < dim; d++) {
        const x = m[oi + d] as number;
        s0 += x * (m[o0 + d] as number);
        s1 += x * (m[o1 + d] as number);
        s2 += x * (m[o2 + d] as number);
        s3 += x * (m[o3 + d] as number);
      }
      const row = i * n + j;
      out[row] = s0;
      out[row + 1] = s1;
      out[row + 2] = s2;
      out[row + 3] = s3;
    }
    for (; j < i; j++) {
      const oj = j * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += (m[oi + d] as number) * (m[oj + d] as number);
      out[i * n + j] = s;
    }
  }
  return out;
}

/*
 * Int8 quantisation for the embedded store's cache (docs/vector-store.md). A row v of `dim` coordinates is kept as
 * codes c_d = round(v_d / s), s = max|v_d| / 127, packed four to an Int32 word; a query q as integers
 * r_d = round(q_d / t), t = max|q_d| / Q. The approximate score s·t·Σ r_d·c_d is within s·slack of the exact
 * Σ q_d·v_d (computed in doubles, as `dot` does), where slack = (‖q‖₁ + t·127·dim) / 2 plus a relative margin
 * that covers every floating-point rounding involved.
 */

/** Int32 words per quantised row (four int8 codes a word). */
export const wordsPerRow = (dim: number): number => (dim + 3) >> 2;

/**
 * Quantises v[0..dim) into the words `words[offset .. offset + wordsPerRow(dim))` and returns its scale s: 0 for a
 * zero vector (every code 0: its exact score is 0), NaN when a coordinate is not finite (every code 0; such a row has
 * no error bound and is always re-ranked exactly). |v_d − s·c_d| ≤ s/2 up to a rounding of s·2⁻⁵².
 */
export function quantiseInto(v: ArrayLike<number>, dim: number, words: Int32Array, offset: number): number {
  let max = 0;
  for (let d = 0; d < dim; d++) {
    const a = Math.abs(v[d] as number);
    if (!(a <= Number.MAX_VALUE)) {
      words.fill(0, offset, offset + wordsPerRow(dim));
      return Number.NaN;
    }
    if (a > max) max = a;
  }
  const scale = max / 127;
  const inv = max === 0 ? 0 : 127 / max;
  for (let w = 0, d = 0; d < dim; w++, d += 4) {
    const c0 = Math.round((v[d] as number) * inv);
    const c1 = d + 1 < dim ? Math.round((v[d + 1] as number) * inv) : 0;
    const c2 = d + 2 < dim ? Math.round((v[d + 2] as number) * inv) : 0;
    const c3 = d + 3 < dim ? Math.round((v[d + 3] as number) * inv) : 0;
    words[offset + w] = (c0 & 255) | ((c1 & 255) << 8) | ((c2 & 255) << 16) | (c3 << 24);
  }
  return scale;
}

/** A query quantised for `codeDot`: the approximate score of a row of scale s is s·step·codeDot(…), within s·slack. */
export interface QuantisedQuery {
  codes: Int32Array;
  step: number;
  slack: number;
}

/**
 * Quantises a query of `dim` coordinates (Q = 32767, less when the dimension is so large that Σ|r_d·c_d| could pass
 * 2³¹ − 1). Undefined when a coordinate is not finite or the dimension is too large to bound: search it exactly.
 */
export function quantiseQuery(q: ArrayLike<number>, dim: number): QuantisedQuery | undefined {
  const codes = new Int32Array(wordsPerRow(dim) * 4);
  let max = 0;
  let l1 = 0;
  for (let d = 0; d < dim; d++) {
    const a = Math.abs(q[d] as number);
    if (!(a <= Number.MAX_VALUE)) return undefined;
    l1 += a;
    if (a > max) max = a;
  }
  if (max === 0) return { codes, step: 0, slack: 0 };
  const levels = Math.min(32767, Math.floor(0x7fffffff / (127 * codes.length)));
  if (levels < 1) return undefined;
  const step = max / levels;
  for (let d = 0; d < dim; d++) codes[d] = Math.round((q[d] as number) / step);
  // 1e-6: far above the relative rounding of every sum and product involved (≈ 254·dim·2⁻⁵³).
  return { codes, step, slack: 0.5 * (l1 + step * 127 * dim) * (1 + 1e-6) };
}

/** Σ r_d·c_d over one quantised row (exact integer arithmetic: |Σ| < 2³¹ by the choice of Q). */
export function codeDot(words: Int32Array, offset: number, q: Int32Array, nWords: number): number {
  let a = 0;
  let b = 0;
  for (let w = 0, d = 0; w < nWords; w++, d += 4) {
    const x = words[offset + w] as number;
    a = (a + (q[d] as number) * ((x << 24) >> 24) + (q[d + 1] as number) * ((x << 16) >> 24)) | 0;
    b = (b + (q[d + 2] as number) * ((x << 8) >> 24) + (q[d + 3] as number) * (x >> 24)) | 0;
  }
  return a + b;
}

/** Σ q_d·data[offset + d] for d < dim, in order: the same number `dot` gives for that row. */
export function dotAt(q: ArrayLike<number>, data: Float32Array, offset: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (q[d] as number) * (data[offset + d] as number);
  return s;
}

/** `codeDot` of rows start … end − 1 (each `nWords` words) into out[0 … end − start). */
export function codeDots(words: Int32Array, nWords: number, q: Int32Array, start: number, end: number, out: Float64Array): void {
  for (let row = start; row < end; row++) out[row - start] = codeDot(words, row * nWords, q, nWords);
}

/**
 * Four quantised queries' codes interleaved for `codeDots4`: for each word w, the four codes of query 0, then of
 * query 1, 2 and 3 (16 integers a word). `into` holds at least 4 · codes.length integers.
 */
export function interleaveQueries(q0: Int32Array, q1: Int32Array, q2: Int32Array, q3: Int32Array, into: Int32Array): void {
  const queries = [q0, q1, q2, q3];
  for (let k = 0; k < 4; k++) {
    const q = queries[k] as Int32Array;
    for (let d = 0; d < q.length; d++) into[(d >> 2) * 16 + k * 4 + (d & 3)] = q[d] as number;
  }
}

/**
 * `codeDot` of four queries at once (their codes interleaved by `interleaveQueries`): each row's words are read and
 * decoded once for all four, into out0 … out3 [0 … end − start). The same exact integers as four `codeDots` calls
 * (every partial sum is below 2³¹ in magnitude, so it is exact in doubles and `| 0` keeps it).
 */
export function codeDots4(
  words: Int32Array,
  nWords: number,
  q: Int32Array,
  start: number,
  end: number,
  out0: Float64Array,
  out1: Float64Array,
  out2: Float64Array,
  out3: Float64Array,
): void {
  for (let row = start; row < end; row++) {
    const offset = row * nWords;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let w = 0, j = 0; w < nWords; w++, j += 16) {
      const x = words[offset + w] as number;
      const c0 = (x << 24) >> 24;
      const c1 = (x << 16) >> 24;
      const c2 = (x << 8) >> 24;
      const c3 = x >> 24;
      a0 = (a0 + (q[j] as number) * c0 + (q[j + 1] as number) * c1 + (q[j + 2] as number) * c2 + (q[j + 3] as number) * c3) | 0;
      a1 = (a1 + (q[j + 4] as number) * c0 + (q[j + 5] as number) * c1 + (q[j + 6] as number) * c2 + (q[j + 7] as number) * c3) | 0;
      a2 = (a2 + (q[j + 8] as number) * c0 + (q[j + 9] as number) * c1 + (q[j + 10] as number) * c2 + (q[j + 11] as number) * c3) | 0;
      a3 = (a3 + (q[j + 12] as number) * c0 + (q[j + 13] as number) * c1 + (q[j + 14] as number) * c2 + (q[j + 15] as number) * c3) | 0;
    }
    const i = row - start;
    out0[i] = a0;
    out1[i] = a1;
    out2[i] = a2;
    out3[i] = a3;
  }
}

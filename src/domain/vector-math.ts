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

/** Float32 vector ⇄ base64 text, the form vectors take in D1 (blobs come back as number arrays, slowly). */
export function vectorToBase64(v: Float32Array): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  let bin = "";
  for (const byte of bytes) bin += String.fromCharCode(byte);
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
  for (let i = 1; i < n; i++) {
    const oi = i * dim;
    for (let j = 0; j < i; j++) {
      const oj = j * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += (matrix[oi + d] as number) * (matrix[oj + d] as number);
      out[i * n + j] = s;
    }
  }
  return out;
}

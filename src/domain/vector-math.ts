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

/** Dot product of two equal-length vectors (cosine similarity when both are normalised). */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Keeps the best `k` (id, score) pairs seen, best first. */
export class TopK {
  readonly items: { id: string; score: number }[] = [];
  constructor(private readonly k: number) {}

  offer(id: string, score: number): void {
    const items = this.items;
    if (items.length === this.k && score <= items[items.length - 1]!.score) return;
    let i = items.length;
    while (i > 0 && items[i - 1]!.score < score) i--;
    items.splice(i, 0, { id, score });
    if (items.length > this.k) items.pop();
  }
}

/** Float32 vector ⇄ base64 text, the form vectors take in D1 (blobs come back as number arrays, slowly). */
export function vectorToBase64(v: Float32Array): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin);
}

export function vectorFromBase64(text: string): Float32Array {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

/** 32-bit words, big-endian, read back with `getUint32(4 * i)`: a read past the end throws instead of giving undefined. */
function words(values: readonly number[]): DataView {
  const view = new DataView(new ArrayBuffer(4 * values.length));
  for (const [i, v] of values.entries()) view.setUint32(4 * i, v);
  return view;
}

/** SHA-256 round constants: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = words([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** The eight working words a, b, c, d, e, f, g, h. */
type State = [number, number, number, number, number, number, number, number];

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/**
 * SHA-256 of some bytes, as 64 lowercase hex digits, computed synchronously.
 *
 * Why not WebCrypto (src/domain/sha256.ts): `crypto.subtle.digest` only
 * answers with a promise, and a legacy event id is derived inside
 * `upcastLegacyEnvelope`, which ingest's validation (src/domain/ingest-batch.ts)
 * calls synchronously per item; scripts/import-fixtures.ts and the node tests
 * derive the same ids the same way outside the worker. `node:crypto`'s
 * synchronous `createHash` is no way out: the worker runs without
 * `nodejs_compat`, and src/domain stays runtime-neutral. The property test in
 * test/workers/legacy-upcast.test.ts checks it against WebCrypto.
 * Legacy records are at most a few hundred KiB, so one padded copy is fine.
 */
export function sha256Hex(bytes: Uint8Array): string {
  let h: State = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  const blocks = Math.ceil((bytes.length + 9) / 64);
  const padded = new Uint8Array(blocks * 64);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bytes.length / 0x20000000));
  view.setUint32(padded.length - 4, (bytes.length * 8) >>> 0);
  // The message schedule, 64 words, as K is.
  const w = new DataView(new ArrayBuffer(4 * 64));
  const word = (i: number) => w.getUint32(4 * i);
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) w.setUint32(4 * i, view.getUint32(block + i * 4));
    for (let i = 16; i < 64; i++) {
      const w15 = word(i - 15);
      const w2 = word(i - 2);
      const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
      w.setUint32(4 * i, (word(i - 16) + s0 + word(i - 7) + s1) | 0);
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K.getUint32(4 * i) + word(i)) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h = [(h[0] + a) | 0, (h[1] + b) | 0, (h[2] + c) | 0, (h[3] + d) | 0, (h[4] + e) | 0, (h[5] + f) | 0, (h[6] + g) | 0, (h[7] + hh) | 0];
  }
  return h.map((v) => (v >>> 0).toString(16).padStart(8, "0")).join("");
}

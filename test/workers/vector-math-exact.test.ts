import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HASHING_EMBEDDER_DIMENSION, hashEmbed } from "../../src/domain/hashing-embedder";
import { dot, lowerGram, packRows, vectorFromBase64, vectorToBase64 } from "../../src/domain/vector-math";

/**
 * The consumer's fast paths must give the very numbers the plain definitions give: stored vectors, cached
 * similarities and scores depend on them, and a redelivered chunk must score as it did the first time.
 */

/** The embedder as its documentation defines it: features `w:word` and `t:xyz` of `^word$`, FNV-1a over UTF-16 units. */
function referenceEmbed(text: string, dimension: number): Float32Array | null {
  const fnv = (s: string) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    return h >>> 0;
  };
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  const counts = new Array<number>(dimension).fill(0);
  const add = (h: number) => {
    counts[h % dimension] = (counts[h % dimension] as number) + (h >= 0x80000000 ? -1 : 1);
  };
  for (const w of words) {
    add(fnv(`w:${w}`));
    const framed = `^${w}$`;
    for (let i = 0; i + 3 <= framed.length; i++) add(fnv(`t:${framed.slice(i, i + 3)}`));
  }
  const norm = Math.sqrt(counts.reduce((s, c) => s + c * c, 0));
  return norm === 0 ? null : Float32Array.from(counts, (c) => c / norm);
}

const sameNumbers = (a: ArrayLike<number> | null, b: ArrayLike<number> | null) => {
  expect(a === null).toBe(b === null);
  if (a && b) expect(Array.from(a)).toEqual(Array.from(b));
};

describe("hashEmbed", () => {
  const asciiText = fc.string({ unit: fc.constantFrom(..."abczAXYZ09_ -.,!?\n\t'\"/@[`{:"), maxLength: 80 });
  const anyText = fc.string({ unit: fc.constantFrom(..."abcXYZ09_ -.,\néßİ漢—Ωñ"), maxLength: 80 });

  it("gives the documented features' vector for ASCII text (its one-pass path) and for any other text", () => {
    fc.assert(fc.property(asciiText, (t) => sameNumbers(hashEmbed(t), referenceEmbed(t, HASHING_EMBEDDER_DIMENSION))));
    fc.assert(fc.property(anyText, (t) => sameNumbers(hashEmbed(t), referenceEmbed(t, HASHING_EMBEDDER_DIMENSION))));
  });

  it("gives ASCII text the same vector when one non-ASCII separator sends it down the general path", () => {
    const text = "Rotate the LOGS daily; keep 7 copies of app_log.txt";
    sameNumbers(hashEmbed(`${text} —`), hashEmbed(text));
    expect(hashEmbed(text)).not.toBeNull();
  });

  it("takes slots by mask or modulo, whatever the dimension", () => {
    fc.assert(fc.property(anyText, fc.constantFrom(1, 7, 100, 128, 384), (t, dim) => sameNumbers(hashEmbed(t, dim), referenceEmbed(t, dim))));
  });

  it("answers null for a text with no word", () => {
    expect(hashEmbed(" -- ... !")).toBeNull();
    expect(hashEmbed("— ·")).toBeNull();
  });
});

describe("lowerGram and vectorToBase64", () => {
  const vectors = fc.array(fc.float32Array({ minLength: 9, maxLength: 9, noDefaultInfinity: true, noNaN: true }), { minLength: 1, maxLength: 11 });

  it("gives every pair the number dot gives", () => {
    fc.assert(
      fc.property(vectors, (rows) => {
        const { matrix, dim } = packRows(rows);
        const gram = lowerGram(matrix, rows.length, dim);
        for (let i = 0; i < rows.length; i++)
          for (let j = 0; j < i; j++) expect(gram[i * rows.length + j]).toBe(dot(rows[i] as Float32Array, rows[j] as Float32Array));
      }),
    );
  });

  it("round-trips every vector through base64, including ones longer than one slice", () => {
    const long = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 1e3);
    expect(Array.from(vectorFromBase64(vectorToBase64(long)))).toEqual(Array.from(long));
    fc.assert(fc.property(vectors, (rows) => rows.every((r) => vectorFromBase64(vectorToBase64(r)).every((x, i) => Object.is(x, r[i])))));
  });
});

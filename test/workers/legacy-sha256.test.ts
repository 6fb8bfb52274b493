import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/domain/legacy/sha256";
import { toHex, sha256Hex as webCryptoSha256 } from "../../src/domain/sha256";

describe("legacy SHA-256", () => {
  it("agrees with crypto.subtle at every length across the padding boundaries of one to three blocks", async () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n * 7) & 0xff);
      expect(sha256Hex(bytes), `${n} bytes`).toBe(await webCryptoSha256(bytes));
    }
  });

  it("gives the published digests", () => {
    expect(sha256Hex(new Uint8Array())).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex(new TextEncoder().encode("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("toHex", () => {
  it("writes every byte value as two lowercase digits, from a view (its own range only) or a buffer", async () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const expected = Array.from(all, (b) => (b < 16 ? "0" : "") + b.toString(16)).join("");
    expect(toHex(all)).toBe(expected);
    expect(toHex(all.buffer)).toBe(expected);
    expect(toHex(all.subarray(250, 253))).toBe("fafbfc");
    expect(toHex(new Uint8Array())).toBe("");
    expect(await webCryptoSha256("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

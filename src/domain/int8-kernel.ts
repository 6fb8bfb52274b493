/// <reference path="./wasm-module.d.ts" />
import kernelModule from "./int8-dots.wasm";

/** What src/domain/int8-dots.wat exports. */
interface Kernel {
  memory: WebAssembly.Memory;
  dots4(q: number, rows: number, n: number, chunks: number, out: number): void;
}

/** Rows copied into the kernel's memory per call: its memory stays about this size whatever the entry's. */
const BLOCK_BYTES = 1 << 20;
const PAGE = 65536;

let kernel: Kernel | null | undefined;

/** The kernel, instantiated once per isolate; null where WebAssembly SIMD is unavailable (then callers use JavaScript). */
function instance(): Kernel | null {
  if (kernel === undefined) {
    try {
      kernel = new WebAssembly.Instance(kernelModule).exports as unknown as Kernel;
    } catch {
      kernel = null;
    }
  }
  return kernel;
}

/**
 * `codeDots4` with WebAssembly SIMD: the code sums Σ r_d·q_d of four quantised queries (their `codes`, not
 * interleaved) against rows start … end − 1 of `words` (each `nWords` words of four int8 codes), into
 * out0 … out3 [0 … end − start). The same exact integers as the JavaScript loops (int8 × int16 products summed in
 * int32 lanes; quantiseQuery keeps every sum below 2³¹). Returns false, having written nothing, where it does not
 * apply (no SIMD, or rows that are not a whole number of 16-byte chunks): the caller then runs `codeDots4`.
 */
export function wasmCodeDots4(
  words: Int32Array,
  nWords: number,
  queries: readonly [Int32Array, Int32Array, Int32Array, Int32Array],
  start: number,
  end: number,
  out: readonly [Float64Array, Float64Array, Float64Array, Float64Array],
): boolean {
  if (nWords % 4 !== 0 || nWords === 0) return false;
  const k = instance();
  if (!k) return false;
  const chunks = nWords / 4;
  const codes = chunks * 16;
  const rowBytes = nWords * 4;
  const blockRows = Math.max(1, Math.floor(BLOCK_BYTES / rowBytes));
  const qBytes = 4 * codes * 2;
  const outAt = qBytes;
  const rowsAt = outAt + blockRows * 16;
  const needed = rowsAt + blockRows * rowBytes;
  const have = k.memory.buffer.byteLength;
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / PAGE));
  const buffer = k.memory.buffer;
  const q16 = new Int16Array(buffer, 0, 4 * codes);
  for (let i = 0; i < 4; i++) {
    const q = queries[i] as Int32Array;
    for (let d = 0; d < codes; d++) q16[i * codes + d] = q[d] as number;
  }
  const rows = new Int32Array(buffer, rowsAt, blockRows * nWords);
  const sums = new Int32Array(buffer, outAt, blockRows * 4);
  const [o0, o1, o2, o3] = out;
  for (let from = start; from < end; from += blockRows) {
    const n = Math.min(blockRows, end - from);
    rows.set(words.subarray(from * nWords, (from + n) * nWords));
    k.dots4(0, rowsAt, n, chunks, outAt);
    const base = from - start;
    for (let r = 0, j = 0; r < n; r++, j += 4) {
      o0[base + r] = sums[j] as number;
      o1[base + r] = sums[j + 1] as number;
      o2[base + r] = sums[j + 2] as number;
      o3[base + r] = sums[j + 3] as number;
    }
  }
  return true;
}

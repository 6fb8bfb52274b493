/**
 * `npm run build:wasm`: assembles src/domain/int8-dots.wat into src/domain/int8-dots.wasm with wabt (the .wasm is
 * committed, so neither `npm start` nor a deploy needs wabt; test/node/int8-kernel-wasm.test.ts fails when the two
 * differ). `assembleKernel()` is what the test calls.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const WAT = join(root, "src/domain/int8-dots.wat");
export const WASM = join(root, "src/domain/int8-dots.wasm");

export async function assembleKernel() {
  const wabt = await (await import("wabt")).default();
  const module = wabt.parseWat("int8-dots.wat", readFileSync(WAT, "utf8"), { simd: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({ write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(WASM, await assembleKernel());
  console.log(`wrote ${WASM}`);
}

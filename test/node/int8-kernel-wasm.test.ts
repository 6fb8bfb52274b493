import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types.
import { assembleKernel, WASM } from "../../scripts/build-wasm.mjs";

describe("the int8 SIMD kernel", () => {
  it("is committed as what wabt assembles from its WAT source (npm run build:wasm after editing the .wat)", async () => {
    const assembled = (await assembleKernel()) as Buffer;
    expect(Buffer.compare(assembled, readFileSync(WASM as string))).toBe(0);
    // Node's WebAssembly (this project's type roots describe workerd's, where a module cannot be built from bytes).
    const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
    const exports = WebAssembly.Module.exports(new NodeModule(assembled)).map((e) => e.name);
    expect(exports.sort()).toEqual(["dots4", "memory"]);
  });

  it("deploys with the worker: wrangler's bundle carries it as a module the worker imports", () => {
    const out = mkdtempSync(join(tmpdir(), "gleaner-deploy-"));
    try {
      execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out], {
        cwd: resolve(import.meta.dirname, "../.."),
        stdio: "pipe",
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      });
      const wasm = readdirSync(out).filter((f) => f.endsWith(".wasm"));
      expect(wasm).toHaveLength(1);
      expect(readFileSync(join(out, wasm[0]!))).toEqual(readFileSync(WASM as string));
      expect(readFileSync(join(out, "index.js"), "utf8")).toContain(`./${wasm[0]}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});

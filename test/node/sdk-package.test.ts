import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const SDK = resolve(import.meta.dirname, "../../sdk");

describe("@gleaner/sdk as a package", () => {
  it("the main entry bundles for a runtime without Node (Workers): no node: import reaches it", async () => {
    const result = await build({
      entryPoints: [join(SDK, "src/index.ts")],
      bundle: true,
      platform: "neutral",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.includes("file-journal"))).toBe(false);
    expect(result.outputFiles[0]!.text).not.toMatch(/from\s+["']node:/);
  });

  it("builds with tsc and resolves through its exports map from another project", () => {
    const consumer = mkdtempSync(join(tmpdir(), "gleaner-sdk-consumer-"));
    const installed = join(consumer, "node_modules/@gleaner/sdk");
    mkdirSync(installed, { recursive: true });
    const tsc = resolve(SDK, "../node_modules/typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-p", join(SDK, "tsconfig.json"), "--outDir", join(installed, "dist")]);
    cpSync(join(SDK, "package.json"), join(installed, "package.json"));
    const script = `
      import { createGleanerClient, wrapOpenAI, GleanerError } from "@gleaner/sdk";
      import { fileJournal, createGleanerClient as fromNode } from "@gleaner/sdk/node";
      const client = createGleanerClient({ url: "http://127.0.0.1:9", key: "k" });
      console.log([typeof wrapOpenAI, typeof GleanerError, typeof fileJournal, fromNode === createGleanerClient, typeof client.track].join(" "));
      await client.close();
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: consumer, encoding: "utf8" });
    expect(out.trim()).toBe("function function function true function");
  });
});

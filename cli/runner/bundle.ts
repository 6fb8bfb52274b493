import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Bundles in flight: esbuild's service is stopped when the last one ends. */
let building = 0;

/** "size:mtime" of a file, or null when it is gone. */
export function stamp(path: string): string | null {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}

/** node_modules/.cache/gleaner under the nearest folder above `from` that has a node_modules. */
export function cacheDir(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (stamp(join(dir, "node_modules")) !== null) return join(dir, "node_modules/.cache/gleaner");
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Bundles the worker the way wrangler does for workerd: ESM, worker
 * conditions, `cloudflare:*` modules left to the runtime. The bundle is kept
 * in node_modules/.cache/gleaner with the size and mtime of every file it was
 * built from, and reused while none of them changed: a warm `npm start` runs
 * no esbuild at all. When it does bundle, it is one `build`, then esbuild's
 * service process is stopped (~80 MB otherwise kept for the runner's lifetime).
 */
export async function bundleWorker(entry: string): Promise<string> {
  const dir = cacheDir(dirname(entry));
  const key = createHash("sha256").update(entry).digest("hex").slice(0, 12);
  const out = dir ? join(dir, `worker-${key}.js`) : undefined;
  const manifest = dir ? join(dir, `worker-${key}.inputs.json`) : undefined;
  if (out && manifest) {
    try {
      const inputs = JSON.parse(readFileSync(manifest, "utf8")) as Record<string, string | null>;
      if (Object.entries(inputs).every(([file, was]) => stamp(file) === was)) return readFileSync(out, "utf8");
    } catch {
      // No cache yet, or a broken one: bundle.
    }
  }
  const esbuild = await import("esbuild");
  building++;
  try {
    const root = dirname(entry);
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      target: "es2022",
      platform: "neutral",
      conditions: ["workerd", "worker", "browser"],
      mainFields: ["module", "main"],
      external: ["cloudflare:*", "node:*"],
      write: false,
      metafile: true,
      minify: false,
      sourcemap: false,
      logLevel: "silent",
    });
    const file = result.outputFiles[0];
    if (!file) throw new Error("esbuild produced no output");
    if (out && manifest) {
      try {
        mkdirSync(dirname(out), { recursive: true });
        const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).map((f) => [resolve(root, f), stamp(resolve(root, f))]));
        // Written then renamed, so a start killed half-way never leaves a torn bundle.
        writeFileSync(`${out}.${process.pid}.tmp`, file.contents);
        renameSync(`${out}.${process.pid}.tmp`, out);
        writeFileSync(manifest, `${JSON.stringify(inputs, null, 1)}\n`);
      } catch {
        // A read-only node_modules: no cache, bundle every start.
      }
    }
    return file.text;
  } finally {
    if (--building === 0) await esbuild.stop();
  }
}

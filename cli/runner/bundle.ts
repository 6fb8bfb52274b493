import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

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

/** A `.wasm` file the worker imports: workerd gets it as a CompiledWasm module next to the bundle. */
export interface WasmImport {
  /** The import's specifier in the bundle ("./<name>.wasm"), relative to the bundle's own module. */
  specifier: string;
  /** The file on disk. */
  path: string;
}

/** The bundled worker: its one JavaScript module and the `.wasm` files it imports. */
export interface BundledWorker {
  script: string;
  wasm: WasmImport[];
}

/**
 * Miniflare's `modules` for a bundled worker whose module is `mainPath` (a path under the workers' modulesRoot): the
 * bundle, then each `.wasm` it imports as a CompiledWasm module beside it (read now, so an edited kernel is used).
 */
export function workerModules(mainPath: string, bundled: BundledWorker) {
  return [
    { type: "ESModule" as const, path: mainPath, contents: bundled.script },
    ...bundled.wasm.map((w) => ({ type: "CompiledWasm" as const, path: join(dirname(mainPath), w.specifier), contents: readFileSync(w.path) })),
  ];
}

/**
 * Bundles the worker the way wrangler does for workerd: ESM, worker
 * conditions, `cloudflare:*` modules left to the runtime, a `.wasm` import
 * left as an import of a module beside the bundle (wrangler's CompiledWasm
 * rule; `workerModules` adds the module). The bundle is kept
 * in node_modules/.cache/gleaner with the size and mtime of every file it was
 * built from, and reused while none of them changed: a warm `npm start` runs
 * no esbuild at all. When it does bundle, it is one `build`, then esbuild's
 * service process is stopped (~80 MB otherwise kept for the runner's lifetime).
 */
export async function bundleWorker(entry: string): Promise<BundledWorker> {
  const dir = cacheDir(dirname(entry));
  const key = createHash("sha256").update(entry).digest("hex").slice(0, 12);
  const out = dir ? join(dir, `worker-${key}.js`) : undefined;
  const manifest = dir ? join(dir, `worker-${key}.inputs.json`) : undefined;
  const wasmList = dir ? join(dir, `worker-${key}.wasm.json`) : undefined;
  if (out && manifest && wasmList) {
    try {
      const inputs = JSON.parse(readFileSync(manifest, "utf8")) as Record<string, string | null>;
      if (Object.entries(inputs).every(([file, was]) => stamp(file) === was))
        return { script: readFileSync(out, "utf8"), wasm: JSON.parse(readFileSync(wasmList, "utf8")) as WasmImport[] };
    } catch {
      // No cache yet, or a broken one: bundle.
    }
  }
  const esbuild = await import("esbuild");
  building++;
  try {
    const root = dirname(entry);
    const wasm = new Map<string, WasmImport>();
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
      plugins: [
        {
          name: "compiled-wasm",
          setup(build) {
            build.onResolve({ filter: /\.wasm$/ }, (args) => {
              const path = resolve(args.resolveDir, args.path);
              const specifier = `./${basename(path)}`;
              const known = wasm.get(specifier);
              if (known && known.path !== path) return { errors: [{ text: `two .wasm imports named ${basename(path)}: ${known.path} and ${path}` }] };
              wasm.set(specifier, { specifier, path });
              return { path: specifier, external: true };
            });
          },
        },
      ],
      write: false,
      metafile: true,
      minify: false,
      sourcemap: false,
      logLevel: "silent",
    });
    const file = result.outputFiles[0];
    if (!file) throw new Error("esbuild produced no output");
    const imports = [...wasm.values()];
    if (out && manifest && wasmList) {
      try {
        mkdirSync(dirname(out), { recursive: true });
        const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).map((f) => [resolve(root, f), stamp(resolve(root, f))]));
        // Written then renamed, so a start killed half-way never leaves a torn bundle.
        writeFileSync(`${out}.${process.pid}.tmp`, file.contents);
        renameSync(`${out}.${process.pid}.tmp`, out);
        writeFileSync(wasmList, `${JSON.stringify(imports)}\n`);
        writeFileSync(manifest, `${JSON.stringify(inputs, null, 1)}\n`);
      } catch {
        // A read-only node_modules: no cache, bundle every start.
      }
    }
    return { script: file.text, wasm: imports };
  } finally {
    if (--building === 0) await esbuild.stop();
  }
}

/**
 * `npm start`: runs the runner (cli/start.ts) with plain Node, in this process.
 *
 * The TypeScript runner is bundled by esbuild into
 * node_modules/.cache/gleaner/start-<checkout>.mjs (packages stay external, resolved from
 * node_modules as usual) the first time and whenever one of its source files
 * changed (their sizes and mtimes are kept beside the bundle), then imported.
 * No tsx process and no esbuild service stay in the running tree; a fresh
 * clone needs only `npm install && npm start`.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = join(root, "node_modules/.cache/gleaner");
// One bundle per checkout: worktrees may share a node_modules (a symlink).
const key = createHash("sha256").update(root).digest("hex").slice(0, 12);
const bundle = join(cacheDir, `start-${key}.mjs`);
const manifest = join(cacheDir, `start-${key}.inputs.json`);

/** "size:mtime" of a file, or null when it is gone. */
function stamp(path) {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}

/** True when the bundle exists and every file it was built from is unchanged (this script included). */
function fresh() {
  try {
    const inputs = JSON.parse(readFileSync(manifest, "utf8"));
    if (stamp(bundle) === null) return false;
    return Object.entries(inputs).every(([file, was]) => stamp(join(root, file)) === was);
  } catch {
    return false;
  }
}

async function rebuild() {
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [join(root, "cli/start.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      outfile: bundle,
      write: false,
      metafile: true,
      // The runner finds the project (wrangler.toml, migrations, src) from its own location.
      define: { "import.meta.url": JSON.stringify(pathToFileURL(join(root, "cli/start.ts")).href) },
      logLevel: "warning",
    });
    mkdirSync(cacheDir, { recursive: true });
    const inputs = {};
    for (const file of [...Object.keys(result.metafile.inputs).map((f) => relative(root, resolve(root, f))), relative(root, fileURLToPath(import.meta.url))]) {
      inputs[file] = stamp(join(root, file));
    }
    // Written then renamed, so a start killed half-way never leaves a broken bundle behind.
    writeFileSync(`${bundle}.tmp`, result.outputFiles[0].contents);
    renameSync(`${bundle}.tmp`, bundle);
    writeFileSync(manifest, `${JSON.stringify(inputs, null, 1)}\n`);
  } finally {
    // The esbuild service would otherwise live (~80 MB) for as long as the runner does.
    await esbuild.stop();
  }
}

if (!fresh()) await rebuild();
await import(pathToFileURL(bundle).href);

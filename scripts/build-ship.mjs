// `npm run build:ship`: bundles `gleaner ship` (cli/ship) into one file, dist/gleaner-ship.mjs, that runs with
// plain `node` (20+) and no node_modules, for log hosts that have no checkout. It takes the arguments of
// `gleaner ship`: `node gleaner-ship.mjs --url <base url> --key <key> [--once] [--state <dir>] <file or glob>...`
import { chmodSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const projectDir = fileURLToPath(new URL("..", import.meta.url));
const outfile = fileURLToPath(new URL("../dist/gleaner-ship.mjs", import.meta.url));

// No createRequire banner: the CommonJS inside (picomatch) requires only its own files, which esbuild inlines.
// test/node/ship-bundle.test.ts runs the file where no node_modules is reachable: a dependency that needs
// `require` at run time fails there.
const banner = `#!/usr/bin/env node
// gleaner-ship: \`gleaner ship\` bundled into one file by scripts/build-ship.mjs. Needs Node 20+, nothing else.`;

await build({
  stdin: {
    contents: `import { runShipCommand } from "./cli/ship/command";\nprocess.exitCode = await runShipCommand(process.argv.slice(2));\n`,
    resolveDir: projectDir,
    sourcefile: "gleaner-ship.ts",
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  banner: { js: banner },
  outfile,
  logLevel: "warning",
});
chmodSync(outfile, 0o755);
console.log(`wrote ${outfile}`);

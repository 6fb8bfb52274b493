// Builds dist/ (JavaScript and .d.ts) from src/ with tsc; `npm pack` runs it as `prepare`.
// The SDK has no devDependencies of its own: TypeScript and @types/node come from the
// checkout's root node_modules (`npm ci` at the root), which Node finds by walking up.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const sdk = fileURLToPath(new URL("..", import.meta.url));
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  console.error("@gleaner/sdk: TypeScript not found; run `npm ci` at the repository root first");
  process.exit(1);
}
// A clean dist: files of modules since removed from src/ must not be packed.
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: sdk, stdio: "inherit" });

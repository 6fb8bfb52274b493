// Installs the git hooks (simple-git-hooks, configured in package.json) on `npm install`.
// Skipped in CI and outside a git checkout, where hooks are useless.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

if (process.env.CI || process.env.GLEANER_SKIP_HOOKS || !existsSync(".git")) process.exit(0);
const result = spawnSync("npx", ["simple-git-hooks"], { stdio: "inherit" });
process.exit(result.status ?? 0);

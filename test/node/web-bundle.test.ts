import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./gleaner-process";

/**
 * src/web/gen/client.ts is the explorer's browser code (src/web/client) as
 * esbuild bundles it, committed so `npm start`, the workerd tests and
 * `wrangler deploy` serve it with no build step. These fail when it is stale
 * or when the browser code does not type-check (the root tsconfig leaves
 * src/web/client to its own, DOM-typed tsconfig).
 */
describe("the explorer's bundle", () => {
  it("is what npm run build:web makes from src/web/client", () => {
    const res = spawnSync(process.execPath, [join(PROJECT_DIR, "scripts/build-web.mjs"), "--check"], { cwd: PROJECT_DIR, encoding: "utf8" });
    expect(res.stderr, "src/web/gen/client.ts is stale: run npm run build:web").toBe("");
    expect(res.status).toBe(0);
  });

  it("type-checks the browser code against the DOM", () => {
    const tsc = join(PROJECT_DIR, "node_modules/typescript/bin/tsc");
    const res = spawnSync(process.execPath, [tsc, "--noEmit", "-p", "src/web/client/tsconfig.json"], { cwd: PROJECT_DIR, encoding: "utf8" });
    expect(res.stdout + res.stderr).toBe("");
    expect(res.status).toBe(0);
  }, 60_000);
});

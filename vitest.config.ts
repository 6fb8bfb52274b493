import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { globSync } from "tinyglobby";
import { defineConfig } from "vitest/config";
import { startFakeAiServer } from "./test/support/fake-ai-server";

/** Values the workerd tests run with; test/workers/helpers.ts reads the admin token from env. */
const TEST_BINDINGS = {
  GLEANER_ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
  MAX_BODY_BYTES: String(256 * 1024),
  MAX_EVENTS_PER_REQUEST: "200",
  MAX_EVENT_BYTES: String(8 * 1024),
  FEEDBACK_SETTLE_SECONDS: "0",
  BACKPRESSURE_CACHE_MS: "0",
  // The fake AI server runs in vitest's own process, busy with transforms and coverage: a 1 s limit made a slow answer an outage.
  OUTBOUND_TIMEOUT_MS: "10000",
  BREAKER_FAILURES: "2",
  BREAKER_HALF_OPEN_SECONDS: "1",
};

/**
 * The packages the worker imports (every bare specifier under src/, and the JSX runtime tsconfig names). Vite
 * pre-bundles them for the workers project: each test file loads the worker afresh, and one bundle is far quicker to
 * load than each package's hundreds of files. All of them, or none: a package left out would be loaded twice (once
 * inside the bundle, once from its own files), and its classes would no longer match each other.
 */
function workerDependencies(): string[] {
  const found = new Set(["hono/jsx/jsx-runtime", "hono/jsx/jsx-dev-runtime"]);
  for (const file of globSync(["src/**/*.{ts,tsx}", "test/workers/**/*.ts"])) {
    for (const [, name] of readFileSync(file, "utf8").matchAll(/\bfrom "([^".][^"]*)"/g)) {
      if (name && !name.includes(":") && name !== "vitest") found.add(name);
    }
  }
  return [...found].sort();
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  // A local OpenAI-compatible server for the LLM (and, per test, embeddings): workerd tests reach it over HTTP.
  const fakeAi = await startFakeAiServer();
  return {
    test: {
      // vitest's default is one fewer than the cores: one on a two-core machine, where a test file mostly waits on
      // workerd and the other core sat idle. Two there, with the workers project.s packages pre-bundled (below), took `npm test` from 690 s to 369 s.
      maxWorkers: Math.max(2, availableParallelism() - 1),
      // Console output (request log lines, workerd's notes) is shown only for tests that fail.
      silent: "passed-only" as const,
      // Istanbul: the provider vitest-pool-workers supports inside workerd. `npm test` enforces the thresholds.
      coverage: {
        provider: "istanbul" as const,
        include: ["src/**/*.ts", "cli/**/*.ts", "sdk/src/**/*.ts"],
        exclude: ["src/web/client/**", "src/web/gen/**", "src/domain/gen/**"],
        reporter: ["text-summary", "json-summary"],
        thresholds: { lines: 85 },
      },
      projects: [
        {
          plugins: [
            cloudflareTest({
              main: "./src/index.ts",
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  ...TEST_BINDINGS,
                  TEST_MIGRATIONS: migrations,
                  TEST_FAKE_AI_URL: fakeAi.url,
                  LLM_URL: `${fakeAi.url}/ns/default`,
                  LLM_MODEL: "fake-model",
                  PROXY_UPSTREAMS: `local=${fakeAi.url}/ns/proxy/v1,moved=${fakeAi.url}/ns/moved/v1`,
                  ...(process.env.QDRANT_URL ? { TEST_QDRANT_URL: process.env.QDRANT_URL } : {}),
                },
                // wrangler.toml's limiters stay as they are (test keys are fresh, so no file meets another's
                // budget), except admin: every file shares the one local admin budget. TEST_RATE_LIMITER is a
                // small one that test/workers/rate-limits.test.ts puts in place of a class's binding.
                ratelimits: {
                  ADMIN_RATE_LIMITER: { simple: { limit: 100_000, period: 60 } },
                  TEST_RATE_LIMITER: { simple: { limit: 3, period: 60 } },
                },
                // Deliver queue messages quickly in tests (production waits up to 1 s).
                queueConsumers: {
                  "gleaner-telemetry": { maxBatchTimeout: 0.05 },
                  "gleaner-telemetry-dlq": { maxBatchTimeout: 0.05 },
                  "gleaner-extract": { maxBatchTimeout: 0.05 },
                  "gleaner-extract-dlq": { maxBatchTimeout: 0.05 },
                },
              },
            }),
          ],
          test: {
            name: "workers",
            testTimeout: 30_000,
            include: ["test/workers/**/*.test.ts"],
            setupFiles: ["./test/workers/apply-migrations.ts"],
            deps: { optimizer: { ssr: { enabled: true, include: workerDependencies() } } },
          },
        },
        {
          test: {
            name: "node",
            include: ["test/node/**/*.test.ts"],
            setupFiles: ["./test/node/setup.ts"],
            environment: "node",
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});

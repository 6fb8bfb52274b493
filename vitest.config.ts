import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/** Values the workerd tests run with; test/workers/helpers.ts reads the admin token from env. */
const TEST_BINDINGS = {
  GLEANER_ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
  MAX_BODY_BYTES: String(256 * 1024),
  MAX_EVENTS_PER_REQUEST: "200",
  MAX_EVENT_BYTES: String(8 * 1024),
  FEEDBACK_SETTLE_SECONDS: "0",
  BACKPRESSURE_CACHE_MS: "0",
};

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              main: "./src/index.ts",
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: { ...TEST_BINDINGS, TEST_MIGRATIONS: migrations },
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
            include: ["test/workers/**/*.test.ts"],
            setupFiles: ["./test/workers/apply-migrations.ts"],
          },
        },
        {
          test: {
            name: "node",
            include: ["test/node/**/*.test.ts"],
            environment: "node",
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});

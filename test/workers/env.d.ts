declare namespace Cloudflare {
  type GleanerEnv = import("../../src/env").Env;
  interface Env extends GleanerEnv {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** The fake OpenAI-compatible server (test/support/fake-ai-server.ts). */
    TEST_FAKE_AI_URL: string;
    /** Set when a real Qdrant is available (QDRANT_URL in the environment of `npm test`). */
    TEST_QDRANT_URL?: string;
  }
}

declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../../src/index");
  }
}

declare namespace Cloudflare {
  type GleanerEnv = import("../../src/env").Env;
  interface Env extends GleanerEnv {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}

declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../../src/index");
  }
}

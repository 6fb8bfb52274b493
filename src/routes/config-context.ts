import { createMiddleware } from "hono/factory";
import { type Config, readConfig } from "../config";
import type { Env } from "../env";

declare module "hono" {
  interface ContextVariableMap {
    /** The configuration vars, parsed once for this request: read it with `c.get("config")`. */
    config: Config;
  }
}

/**
 * Parses the configuration once per request and puts it on the context, so
 * handlers and middleware read `c.get("config")` instead of parsing the vars
 * again (and pass it on to what they call). A bad value fails here, loudly.
 */
export const configPerRequest = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  c.set("config", readConfig(c.env));
  await next();
});

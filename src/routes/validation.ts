import type { z } from "zod";
import { toFieldErrors } from "../domain/event-schema";
import { ApiError } from "./errors";

/**
 * The one validation hook: a request that fails a route's params, query or
 * body schema becomes a 400 `validation_failed` naming each field and why
 * (`details.errors: [{ path, message }]`). `routeApp()` (src/openapi/route-kit.ts)
 * installs it as the `defaultHook` of every sub-app, so routes declared with
 * `createRoute` never pass it themselves.
 */
export function validationHook(result: { success: true } | { success: false; error: z.core.$ZodError }, _c: unknown): void {
  if (!result.success) {
    const errors = toFieldErrors(result.error);
    throw new ApiError(400, "validation_failed", errors.map((e) => `${e.path || "body"}: ${e.message}`).join("; "), { errors });
  }
}

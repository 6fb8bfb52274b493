import type { z } from "zod";
import { toFieldErrors } from "../domain/event-schema";
import { ApiError } from "./errors";

/** zValidator hook: a failed validation becomes a 400 naming each field and why. */
export function validationHook(result: { success: true } | { success: false; error: z.core.$ZodError }, _c: unknown): void {
  if (!result.success) {
    const errors = toFieldErrors(result.error);
    throw new ApiError(400, "validation_failed", errors.map((e) => `${e.path || "body"}: ${e.message}`).join("; "), { errors });
  }
}

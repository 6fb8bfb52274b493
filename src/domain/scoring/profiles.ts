import { z } from "zod";
import { COMPONENTS } from "./components";
import type { Weights } from "./score";

/** Weights as an admin sends them: every component, non-negative, at least one positive. */
export const weightsSchema = z
  .strictObject(
    Object.fromEntries(COMPONENTS.map((name) => [name, z.number().finite().nonnegative("must be ≥ 0")])) as Record<(typeof COMPONENTS)[number], z.ZodNumber>,
  )
  .refine((w) => Object.values(w).some((v) => v > 0), { message: "at least one weight must be positive" });

export const PROFILE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** A rule picks a profile for an event by type, source or tag; `*` matches any run of characters. */
export const profileRuleSchema = z
  .strictObject({
    profile: z.string().regex(PROFILE_NAME),
    type: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    tag: z.string().min(1).optional(),
  })
  .refine((r) => r.type !== undefined || r.source !== undefined || r.tag !== undefined, {
    message: "a rule needs at least one of type, source or tag",
  });

export type ProfileRule = z.infer<typeof profileRuleSchema>;

export interface Profile {
  name: string;
  version: number;
  weights: Weights;
}

export const DEFAULT_PROFILE = "default";

function globMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "i",
  );
  return re.test(value);
}

/** The first rule whose every given field matches picks the profile; otherwise `default`. */
export function chooseProfile(rules: readonly ProfileRule[], event: { type: string; source: string; tags?: readonly string[] }): string {
  for (const rule of rules) {
    const { tag } = rule;
    if (rule.type !== undefined && !globMatch(rule.type, event.type)) continue;
    if (rule.source !== undefined && !globMatch(rule.source, event.source)) continue;
    if (tag !== undefined && !(event.tags ?? []).some((t) => globMatch(tag, t))) continue;
    return rule.profile;
  }
  return DEFAULT_PROFILE;
}

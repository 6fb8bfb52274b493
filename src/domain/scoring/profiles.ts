import { z } from "zod";
import { COMPONENTS } from "./components";
import type { Weights } from "./score";

/** Weights as an admin sends them: every component, non-negative, at least one positive. */
export const weightsSchema = z
  .strictObject(
    Object.fromEntries(
      COMPONENTS.map((name) => [
        name,
        // `quality` came later: a client that does not know it weighs it 0.
        name === "quality" ? z.number().finite().nonnegative("must be ≥ 0").default(0) : z.number().finite().nonnegative("must be ≥ 0"),
      ]),
    ) as Record<(typeof COMPONENTS)[number], z.ZodNumber>,
  )
  .refine((w) => Object.values(w).some((v) => v > 0), { message: "at least one weight must be positive" });

export const PROFILE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** A glob of a rule: as long as the field it matches, at most 200 characters. */
const globPattern = z.string().min(1).max(200, "must be at most 200 characters");

/** A rule picks a profile for an event by type, source or tag; `*` matches any run of characters. */
export const profileRuleSchema = z
  .strictObject({
    profile: z.string().regex(PROFILE_NAME),
    type: globPattern.optional(),
    source: globPattern.optional(),
    tag: globPattern.optional(),
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

/**
 * Case-insensitive glob match where `*` matches any run of characters, in
 * linear time: each literal piece is found left to right, never backtracked
 * into (a regular expression of `.*` pieces can take exponential time on a
 * pattern like `a*a*a*…x`, and would hold the one worker thread).
 */
export function globMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const pieces = pattern.toLowerCase().split("*");
  const text = value.toLowerCase();
  const first = pieces[0] ?? "";
  const last = pieces.length > 1 ? (pieces[pieces.length - 1] ?? "") : "";
  if (pieces.length === 1) return text === first;
  if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = text.indexOf(piece, at);
    if (found === -1 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
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

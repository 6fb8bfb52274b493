import { loadFitSamples } from "../adapters/profile-store";
import { loadScoringConfig } from "../adapters/scoring-store";
import { type FitReport, fitWeights } from "../domain/scoring/fit";
import type { Problem } from "../domain/problem";
import type { Profile } from "../domain/scoring/profiles";

/** Fewest labelled samples a fit needs before it reports anything. */
export const FIT_MIN_SAMPLES = 10;

/** Why there is no fit: no such profile, or too little feedback to fit on. */
export type FitProblem = Problem<"not_found" | "not_enough_feedback">;

/**
 * Fits a profile's weights to explicit feedback on the events it scored
 * (each event once, however often it was re-scored) and reports how well the
 * fitted and the configured weights predict held-out feedback. Adopts nothing.
 *
 * @example
 * const fit = await fitProfile(env.DB, "default");
 * if (isProblem(fit)) throw problemError(fit);
 */
export async function fitProfile(db: D1Database, name: string): Promise<{ profile: Profile; report: FitReport } | FitProblem> {
  const profile = (await loadScoringConfig(db)).profiles.get(name);
  if (!profile) return { problem: "not_found", message: `no profile named '${name}'` };
  const seen = new Set<string>();
  const samples = (await loadFitSamples(db, name)).filter((s) => !seen.has(s.id) && seen.add(s.id));
  if (samples.length < FIT_MIN_SAMPLES) {
    return {
      problem: "not_enough_feedback",
      message: `a fit needs at least ${FIT_MIN_SAMPLES} scored events with feedback; '${name}' has ${samples.length}`,
    };
  }
  return { profile, report: fitWeights(samples, profile.weights) };
}

import { loadFitSamples } from "../adapters/profile-store";
import { loadScoringConfig } from "../adapters/scoring-store";
import { type FitReport, fitWeights } from "../domain/scoring/fit";
import type { Profile } from "../domain/scoring/profiles";

/** Fewest labelled samples a fit needs before it reports anything. */
export const FIT_MIN_SAMPLES = 10;

/** Why there is no fit: no such profile (404), or too little feedback to fit on (422). */
export interface FitProblem {
  status: 404 | 422;
  code: "not_found" | "not_enough_feedback";
  message: string;
}

/**
 * Fits a profile's weights to explicit feedback on the events it scored
 * (each event once, however often it was re-scored) and reports how well the
 * fitted and the configured weights predict held-out feedback. Adopts nothing.
 *
 * @example
 * const fit = await fitProfile(env.DB, "default");
 * if ("status" in fit) throw new ApiError(fit.status, fit.code, fit.message);
 */
export async function fitProfile(db: D1Database, name: string): Promise<{ profile: Profile; report: FitReport } | FitProblem> {
  const profile = (await loadScoringConfig(db)).profiles.get(name);
  if (!profile) return { status: 404, code: "not_found", message: `no profile named '${name}'` };
  const seen = new Set<string>();
  const samples = (await loadFitSamples(db, name)).filter((s) => !seen.has(s.id) && seen.add(s.id));
  if (samples.length < FIT_MIN_SAMPLES) {
    return {
      status: 422,
      code: "not_enough_feedback",
      message: `a fit needs at least ${FIT_MIN_SAMPLES} scored events with feedback; '${name}' has ${samples.length}`,
    };
  }
  return { profile, report: fitWeights(samples, profile.weights) };
}

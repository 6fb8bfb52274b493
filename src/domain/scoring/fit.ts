import { COMPONENTS, type ComponentName, type Components } from "./components";
import type { Weights } from "./score";

/** Components that predict feedback (feedback itself is the target, so it cannot be a feature). */
const FEATURES = COMPONENTS.filter((c) => c !== "feedback") as Exclude<ComponentName, "feedback">[];

export interface FitSample {
  id: string;
  components: Components;
}

export interface FitReport {
  weights: Weights;
  train: number;
  test: number;
  mse_fitted: number | null;
  mse_configured: number | null;
  iterations: number;
}

/** Weighted mean of the known feature components: what a profile predicts the feedback to be. */
function predict(w: Record<string, number>, c: Components): number | null {
  let num = 0;
  let den = 0;
  for (const f of FEATURES) {
    const x = c[f];
    if (x === null || !(w[f]! > 0)) continue;
    num += w[f]! * x;
    den += w[f]!;
  }
  return den > 0 ? num / den : null;
}

function mse(w: Record<string, number>, rows: readonly FitSample[]): number | null {
  let sum = 0;
  let n = 0;
  for (const r of rows) {
    const p = predict(w, r.components);
    if (p === null) continue;
    sum += (p - r.components.feedback!) ** 2;
    n++;
  }
  return n > 0 ? sum / n : null;
}

/** Deterministic 1-in-5 hold-out by id, so the same data always splits the same way. */
function isHeldOut(id: string): boolean {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 5 === 0;
}

/**
 * Fits feature weights that best predict explicit feedback (squared error of
 * the weighted-mean predictor) by exponentiated gradient descent on the
 * simplex: weights stay non-negative and sum to one. Samples need known
 * feedback. The feedback weight keeps its configured share; the fitted
 * feature weights share the rest. Reports held-out error for both weightings.
 */
export function fitWeights(samples: readonly FitSample[], configured: Weights, iterations = 400, rate = 2): FitReport {
  const labelled = samples.filter((s) => s.components.feedback !== null);
  const train = labelled.filter((s) => !isHeldOut(s.id));
  const test = labelled.filter((s) => isHeldOut(s.id));
  let w: Record<string, number> = Object.fromEntries(FEATURES.map((f) => [f, 1 / FEATURES.length]));
  for (let it = 0; it < iterations; it++) {
    const grad: Record<string, number> = Object.fromEntries(FEATURES.map((f) => [f, 0]));
    let n = 0;
    for (const s of train) {
      const p = predict(w, s.components);
      if (p === null) continue;
      const known = FEATURES.reduce((sum, f) => sum + (s.components[f] === null ? 0 : w[f]!), 0);
      for (const f of FEATURES) {
        const x = s.components[f];
        if (x !== null) grad[f]! += (2 * (p - s.components.feedback!) * (x - p)) / known;
      }
      n++;
    }
    if (n === 0) break;
    const next = Object.fromEntries(FEATURES.map((f) => [f, w[f]! * Math.exp((-rate * grad[f]!) / n)]));
    const total = FEATURES.reduce((s, f) => s + next[f]!, 0);
    w = Object.fromEntries(FEATURES.map((f) => [f, next[f]! / total]));
  }
  const configuredTotal = COMPONENTS.reduce((s, c) => s + configured[c], 0);
  const feedbackShare = configuredTotal > 0 ? configured.feedback / configuredTotal : 0;
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  const weights = {
    ...Object.fromEntries(FEATURES.map((f) => [f, round(w[f]! * (1 - feedbackShare))])),
    feedback: round(feedbackShare),
  } as Weights;
  return {
    weights,
    train: train.length,
    test: test.length,
    mse_fitted: mse(weights, test),
    mse_configured: mse(configured, test),
    iterations,
  };
}

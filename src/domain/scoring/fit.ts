import { COMPONENTS, type ComponentName, type Components } from "./components";
import type { Weights } from "./score";

type Feature = Exclude<ComponentName, "feedback">;

/** Components that predict feedback (feedback itself is the target, so it cannot be a feature). */
const FEATURES = COMPONENTS.filter((c): c is Feature => c !== "feedback");

/** One weight (or gradient) per feature. */
type FeatureWeights = Record<Feature, number>;

/** One value per feature, in FEATURES order. */
function perFeature(value: (f: Feature) => number): FeatureWeights {
  return {
    outcome: value("outcome"),
    reusability: value("reusability"),
    complexity: value("complexity"),
    novelty: value("novelty"),
    quality: value("quality"),
  };
}

export interface FitSample {
  id: string;
  components: Components;
}

/** A sample with known feedback: what a fit learns from and is tested on. */
interface LabelledSample extends FitSample {
  components: Components & { feedback: number };
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
function predict(w: FeatureWeights, c: Components): number | null {
  let num = 0;
  let den = 0;
  for (const f of FEATURES) {
    const x = c[f];
    if (x === null || !(w[f] > 0)) continue;
    num += w[f] * x;
    den += w[f];
  }
  return den > 0 ? num / den : null;
}

function mse(w: FeatureWeights, rows: readonly LabelledSample[]): number | null {
  let sum = 0;
  let n = 0;
  for (const r of rows) {
    const p = predict(w, r.components);
    if (p === null) continue;
    sum += (p - r.components.feedback) ** 2;
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
  const labelled = samples.filter((s): s is LabelledSample => s.components.feedback !== null);
  const train = labelled.filter((s) => !isHeldOut(s.id));
  const test = labelled.filter((s) => isHeldOut(s.id));
  let w = perFeature(() => 1 / FEATURES.length);
  for (let it = 0; it < iterations; it++) {
    const grad = perFeature(() => 0);
    let n = 0;
    for (const s of train) {
      const p = predict(w, s.components);
      if (p === null) continue;
      const known = FEATURES.reduce((sum, f) => sum + (s.components[f] === null ? 0 : w[f]), 0);
      for (const f of FEATURES) {
        const x = s.components[f];
        if (x !== null) grad[f] += (2 * (p - s.components.feedback) * (x - p)) / known;
      }
      n++;
    }
    if (n === 0) break;
    const next = perFeature((f) => w[f] * Math.exp((-rate * grad[f]) / n));
    const total = FEATURES.reduce((s, f) => s + next[f], 0);
    w = perFeature((f) => next[f] / total);
  }
  const configuredTotal = COMPONENTS.reduce((s, c) => s + configured[c], 0);
  const feedbackShare = configuredTotal > 0 ? configured.feedback / configuredTotal : 0;
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  const weights: Weights = { ...perFeature((f) => round(w[f] * (1 - feedbackShare))), feedback: round(feedbackShare) };
  return {
    weights,
    train: train.length,
    test: test.length,
    mse_fitted: mse(weights, test),
    mse_configured: mse(configured, test),
    iterations,
  };
}

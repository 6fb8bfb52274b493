import { COMPONENTS, type Components, type Weights } from "./components";

export type { Weights };

export interface WeightsRef {
  profile: string;
  version: number;
}

export interface Score {
  /** Weighted mean of the known components, or null when the evidence is too thin. */
  value: number | null;
  /** Share of the total weight whose component was known, in [0, 1]. */
  confidence: number;
  components: Components;
  weights: WeightsRef;
}

/**
 * The value formula:
 *   value      = Σ_known w_i · c_i / Σ_known w_i
 *   confidence = Σ_known w_i / Σ_all w_i
 * A component is known when it is not null. Without an outcome and without
 * feedback there is no evidence of value at all: value null, confidence 0.
 */
export function scoreInteraction(components: Components, weights: Weights, ref: WeightsRef): Score {
  const total = COMPONENTS.reduce((s, name) => s + weights[name], 0);
  const unknown: Score = { value: null, confidence: 0, components, weights: ref };
  if (total <= 0 || (components.outcome === null && components.feedback === null)) return unknown;
  let knownWeight = 0;
  let weighted = 0;
  for (const name of COMPONENTS) {
    const c = components[name];
    if (c === null) continue;
    knownWeight += weights[name];
    weighted += weights[name] * c;
  }
  if (knownWeight <= 0) return unknown;
  return { value: clamp01(weighted / knownWeight), confidence: clamp01(knownWeight / total), components, weights: ref };
}

/** High value: worth distilling into a pattern or a training example. */
export function isHighValue(score: Score, minValue: number, minConfidence: number): boolean {
  return score.value !== null && score.value >= minValue && score.confidence >= minConfidence;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

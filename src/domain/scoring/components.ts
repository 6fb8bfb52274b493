import type { Outcome, Rating } from "../event-schema";

/** The scored components. Each is in [0, 1], or null when unknown. */
export const COMPONENTS = ["outcome", "feedback", "reusability", "complexity", "novelty", "quality"] as const;
export type ComponentName = (typeof COMPONENTS)[number];
export type Components = Record<ComponentName, number | null>;
export type Weights = Record<ComponentName, number>;

/**
 * Weights as stored, from any version: a profile written before the `quality` component
 * existed weighs it 0, so its scores stay what they were (migration 0010 adds a version
 * with a quality weight to every profile).
 */
export function upcastWeights(stored: Partial<Record<string, number>>): Weights {
  return Object.fromEntries(COMPONENTS.map((name) => [name, typeof stored[name] === "number" ? stored[name] : 0])) as Weights;
}

const OUTCOME_VALUE: Record<Outcome, number | null> = { success: 1, partial: 0.5, failure: 0, unknown: null };

/** Outcome component; a corrected outcome from feedback wins over the producer's. */
export function outcomeComponent(outcome: Outcome | undefined, corrected?: Outcome | null): number | null {
  const effective = corrected ?? outcome;
  return effective ? OUTCOME_VALUE[effective] : null;
}

/**
 * Feedback component: the mean of the ratings mapped -1 → 0, 0 → 0.5, 1 → 1.
 * No rating at all is unknown (null): missing feedback is never a number.
 */
export function feedbackComponent(ratings: readonly Rating[]): number | null {
  if (ratings.length === 0) return null;
  return ratings.reduce<number>((sum, r) => sum + (r + 1) / 2, 0) / ratings.length;
}

/** Tokens (or characters / 4) at which complexity reaches about 0.63. */
const COMPLEXITY_SCALE_TOKENS = 400;

/**
 * Complexity: a saturating function of how much work the interaction carried
 * (tokens, else text length / 4, plus tool calls). Unknown when nothing measures it.
 */
export function complexityComponent(input: {
  tokensIn?: number;
  tokensOut?: number;
  queryChars?: number;
  responseChars?: number;
  toolCalls?: number;
}): number | null {
  const tokens =
    input.tokensIn !== undefined || input.tokensOut !== undefined
      ? (input.tokensIn ?? 0) + (input.tokensOut ?? 0)
      : input.queryChars !== undefined || input.responseChars !== undefined
        ? ((input.queryChars ?? 0) + (input.responseChars ?? 0)) / 4
        : undefined;
  if (tokens === undefined && input.toolCalls === undefined) return null;
  const work = (tokens ?? 0) + 100 * (input.toolCalls ?? 0);
  return 1 - Math.exp(-work / COMPLEXITY_SCALE_TOKENS);
}

/** Similarity of the nearest earlier interactions, best first, each in [-1, 1]. */
export type Neighbours = readonly number[];

/** How many neighbours reusability averages over. */
export const REUSABILITY_NEIGHBOURS = 5;

/**
 * Reusability (the problem recurs: mean similarity of the nearest earlier
 * interactions) and novelty (1 − the best similarity). Null when the
 * interaction has no comparable text; with no earlier interactions at all,
 * it is fully novel and not (yet) reusable.
 */
export function similarityComponents(neighbours: Neighbours | null): Pick<Components, "reusability" | "novelty"> {
  if (neighbours === null) return { reusability: null, novelty: null };
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  const top = neighbours.slice(0, REUSABILITY_NEIGHBOURS);
  const reusability = top.length === 0 ? 0 : top.reduce((s, x) => s + clamp(x), 0) / REUSABILITY_NEIGHBOURS;
  const novelty = 1 - clamp(neighbours[0] ?? 0);
  return { reusability, novelty };
}

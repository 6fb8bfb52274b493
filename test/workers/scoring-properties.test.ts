import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMPONENTS, feedbackComponent, similarityComponents, type Components } from "../../src/domain/scoring/components";
import { scoreInteraction, type Weights } from "../../src/domain/scoring/score";

const ref = { profile: "p", version: 1 };
/** Explicit run count: the same depth everywhere, whatever fast-check's default becomes. */
const RUNS = { numRuns: 500 };
const componentValue = fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null });
const components = fc.record(Object.fromEntries(COMPONENTS.map((c) => [c, componentValue])) as Record<keyof Components, typeof componentValue>);
// Zero or a normal float: denormal weights underflow to 0 when scaled, which is arithmetic, not scoring.
const weight = fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 10, noNaN: true }));
const weights = fc
  .record(Object.fromEntries(COMPONENTS.map((c) => [c, weight])) as Record<keyof Weights, fc.Arbitrary<number>>)
  .filter((w) => Object.values(w).some((v) => v > 1e-6));

describe("scoreInteraction (properties)", () => {
  it("keeps value in [0, 1] or null, and confidence in [0, 1]", () => {
    fc.assert(
      fc.property(components, weights, (c, w) => {
        const s = scoreInteraction(c, w, ref);
        expect(s.confidence).toBeGreaterThanOrEqual(0);
        expect(s.confidence).toBeLessThanOrEqual(1);
        if (s.value !== null) {
          expect(s.value).toBeGreaterThanOrEqual(0);
          expect(s.value).toBeLessThanOrEqual(1);
        } else expect(s.confidence).toBe(0);
      }),
      RUNS,
    );
  });

  it("does not change when all weights are scaled by a constant", () => {
    fc.assert(
      fc.property(components, weights, fc.double({ min: 0.01, max: 100, noNaN: true }), (c, w, k) => {
        const scaled = Object.fromEntries(Object.entries(w).map(([n, v]) => [n, v * k])) as Weights;
        const a = scoreInteraction(c, w, ref);
        const b = scoreInteraction(c, scaled, ref);
        if (a.value === null) expect(b.value).toBeNull();
        else expect(b.value).toBeCloseTo(a.value, 9);
        expect(b.confidence).toBeCloseTo(a.confidence, 9);
      }),
      RUNS,
    );
  });

  it("never lowers the value when a known positive-weight component rises", () => {
    fc.assert(
      fc.property(components, weights, fc.constantFrom(...COMPONENTS), fc.double({ min: 0, max: 1, noNaN: true }), (c, w, name, delta) => {
        const before = c[name];
        fc.pre(before !== null && w[name] > 0);
        const raised = { ...c, [name]: Math.min(1, before! + delta) };
        const a = scoreInteraction(c, w, ref);
        const b = scoreInteraction(raised, w, ref);
        if (a.value !== null) expect(b.value!).toBeGreaterThanOrEqual(a.value - 1e-12);
      }),
      RUNS,
    );
  });
});

describe("scoring components", () => {
  it("treats missing feedback as unknown, never as a number", () => {
    expect(feedbackComponent([])).toBeNull();
    expect(feedbackComponent([-1])).toBe(0);
    expect(feedbackComponent([0])).toBe(0.5);
    expect(feedbackComponent([1, -1])).toBe(0.5);
  });

  it("lowers confidence, not value, when feedback is unknown", () => {
    const w: Weights = { outcome: 0.4, feedback: 0.2, reusability: 0.2, complexity: 0.1, novelty: 0.1, quality: 0 };
    const known: Components = { outcome: 1, feedback: 1, reusability: 0.5, complexity: 0.5, novelty: 0.5, quality: 0.8 };
    const withFeedback = scoreInteraction(known, w, ref);
    const without = scoreInteraction({ ...known, feedback: null }, w, ref);
    expect(without.components.feedback).toBeNull();
    expect(without.confidence).toBeCloseTo(0.8, 12);
    expect(withFeedback.confidence).toBe(1);
    expect(without.value).toBeCloseTo((0.4 + 0.1 + 0.05 + 0.05) / 0.8, 12);
  });

  it("gives value null and confidence 0 without outcome and feedback", () => {
    const s = scoreInteraction(
      { outcome: null, feedback: null, reusability: 1, complexity: 1, novelty: 1, quality: 1 },
      { outcome: 1, feedback: 1, reusability: 1, complexity: 1, novelty: 1, quality: 1 },
      ref,
    );
    expect(s).toMatchObject({ value: null, confidence: 0 });
  });

  it("derives reusability and novelty from neighbour similarity", () => {
    expect(similarityComponents(null)).toEqual({ reusability: null, novelty: null });
    expect(similarityComponents([])).toEqual({ reusability: 0, novelty: 1 });
    expect(similarityComponents([1, 1, 1, 1, 1])).toEqual({ reusability: 1, novelty: 0 });
  });
});

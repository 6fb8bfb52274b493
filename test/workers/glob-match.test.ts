import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { globMatch } from "../../src/domain/scoring/profiles";

/** The obvious (and, on hostile patterns, exponential) reading of a glob, as the reference. */
function globByRegex(pattern: string, value: string): boolean {
  const body = pattern
    .split("*")
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "is").test(value);
}

describe("globMatch", () => {
  it("agrees with the regular-expression reading on short patterns", () => {
    const alphabet = fc.constantFrom("a", "b", "A", "-", "*");
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 8 }), fc.string({ unit: fc.constantFrom("a", "b", "B", "-"), maxLength: 10 }), (pattern, value) => {
        expect(globMatch(pattern, value)).toBe(globByRegex(pattern, value));
      }),
      { numRuns: 2000 },
    );
  });

  it("is false for a missing field", () => {
    expect(globMatch("*", undefined)).toBe(false);
  });
});

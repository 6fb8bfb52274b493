import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prefilterFor, rulesToRun } from "../../src/domain/redaction-prefilter";
import { DEFAULT_RULES, type RedactionRule } from "../../src/domain/redaction";

/**
 * The pre-filter decides which redaction rules run on a text: a rule it skips wrongly is a secret stored in clear.
 * Checked against the definition: a rule runs when it has no keywords or the text holds one of them, exactly or
 * (for a case-insensitive rule) in any ASCII case, and the rules keep their catalogue order.
 */
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
function expected(rules: readonly RedactionRule[], text: string): RedactionRule[] {
  return rules.filter((r) => {
    if (!r.keywords?.length) return true;
    const insensitive = r.pattern.flags.includes("i");
    return r.keywords.some((k) => (insensitive ? asciiLower(text).includes(asciiLower(k)) : text.includes(k)));
  });
}

describe("rulesToRun", () => {
  const keyword = fc.string({ unit: fc.constantFrom(..."abAB_-1"), minLength: 1, maxLength: 4 });
  const rule = fc.record({ keywords: fc.array(keyword, { maxLength: 3 }), insensitive: fc.boolean() });
  const text = fc.string({ unit: fc.constantFrom(..."abcABC_-1 éİ漢"), maxLength: 40 });

  it("runs exactly the rules whose keywords the text holds, in order, for any keyword set and text", () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 6 }), fc.array(text, { minLength: 1, maxLength: 5 }), (specs, texts) => {
        const rules: RedactionRule[] = specs.map((s, i) => ({ kind: `k${i}`, pattern: new RegExp("x", s.insensitive ? "gi" : "g"), keywords: s.keywords }));
        const p = prefilterFor(rules);
        for (const t of texts) expect(rulesToRun(p, t)).toEqual(expected(rules, t));
      }),
      { numRuns: 300 },
    );
  });

  it("agrees with the definition on the shipped catalogue, for texts holding its keywords", () => {
    const p = prefilterFor(DEFAULT_RULES);
    const keywords = [...new Set(DEFAULT_RULES.flatMap((r) => r.keywords ?? []))];
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...keywords), text), { maxLength: 6 }), (parts) => {
        const t = parts.join(" ");
        expect(rulesToRun(p, t)).toEqual(expected(DEFAULT_RULES, t));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses an empty keyword (the automaton could not flag it), rather than skip its rule", () => {
    expect(() => prefilterFor([{ kind: "x", pattern: /x/g, keywords: [""] }])).toThrow(/empty/);
  });
});

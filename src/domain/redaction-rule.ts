/**
 * One redaction rule: a pattern for secrets of one kind, the literals that
 * must be present for it to match (the pre-filter), and where it comes from.
 */
export interface RedactionRule {
  kind: string;
  pattern: RegExp;
  /** Replacement for a match; defaults to the marker. `groups` are the capture groups, "" for one that took no part. */
  replace?: (match: string, ...groups: string[]) => string;
  /**
   * Literals one of which the text must hold for the rule to match: the
   * pre-filter skips the rule when none is there. They match in the pattern's
   * case: exactly, or in any case when it has the `i` flag. A rule without
   * keywords always runs.
   */
  keywords?: readonly string[];
  /** Vetoes a candidate (a placeholder, a word of prose): it stays as is and is not counted. */
  accept?: (match: string, ...groups: string[]) => boolean;
  /** Object keys whose whole string or number value is a secret (structured events). */
  keyName?: RegExp;
  /** Where the rule comes from: gitleaks rule ids, secretlint rule names, or "gleaner". */
  source?: string;
}

/** The text that replaces a secret: `[REDACTED:<kind>]`. */
export const marker = (kind: string) => `[REDACTED:${kind}]`;

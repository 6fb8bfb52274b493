/** How a producer replaced text it would not log: a SHA-256 digest or a redaction marker. */
export type ScrubKind = "sha256" | "redacted";

const SHA256_MARKER = /^sha256:[0-9a-f]{64}$/i;
const REDACTED_MARKER = /^\[REDACTED[^\]]*\]$/;

/** Which kind of scrub marker a string is (`sha256:<64 hex>`, `[REDACTED…]`), or null for real text. */
export function scrubKind(text: string): ScrubKind | null {
  const t = text.trim();
  if (SHA256_MARKER.test(t)) return "sha256";
  if (REDACTED_MARKER.test(t)) return "redacted";
  return null;
}

/**
 * True when a string is a scrub marker rather than content: the HEAD privacy
 * scrub replaces prompts, queries and responses with `sha256:<64 hex>`, or with
 * `[REDACTED:secrets_detected:<kinds>]`. Such text must never be learned from.
 */
export function isScrubbedText(text: string): boolean {
  return scrubKind(text) !== null;
}

/**
 * Every scrubbed string in a value, by dotted path (`task.prompt`, `denials.0.path`).
 * The markers stay where the producer wrote them; this map says what they are.
 */
export function findScrubbed(value: unknown, prefix = ""): Record<string, ScrubKind> {
  const found: Record<string, ScrubKind> = {};
  const visit = (v: unknown, path: string) => {
    if (typeof v === "string") {
      const kind = scrubKind(v);
      if (kind) found[path] = kind;
    } else if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) visit(item, path ? `${path}.${i}` : String(i));
    } else if (typeof v === "object" && v !== null) {
      for (const [k, item] of Object.entries(v)) visit(item, path ? `${path}.${k}` : k);
    }
  };
  visit(value, prefix);
  return found;
}

import { isScrubbedText } from "./legacy/scrubbed";

/**
 * Text a producer scrubbed (`sha256:<64 hex>`) or redacted (`[REDACTED…]`) is a
 * marker, not content: it must never be embedded, scored or learned from.
 */
export { isScrubbedText };

/** The text itself when it is real content, otherwise undefined. */
export function contentOf(text: string | undefined | null): string | undefined {
  if (text === undefined || text === null) return undefined;
  return text.trim() === "" || isScrubbedText(text) ? undefined : text;
}

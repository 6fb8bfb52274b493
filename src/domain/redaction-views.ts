/**
 * Decoded copies of a text, where secrets hidden behind URL-encoding
 * (`%20ghp_…`, `password%3D…`) or JSON escapes (`\u0067hp_…`, a JSON document
 * held in a string) become visible to the rules.
 */

/** Percent-escapes decoded as UTF-8, or byte by byte where they are not valid UTF-8. `+` stays: a base64 secret holds it. */
function percentDecode(text: string): string {
  if (!text.includes("%")) return text;
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    }
  });
}

const JSON_ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" } as const;
const isJsonEscape = (ch: string | undefined): ch is keyof typeof JSON_ESCAPES => ch !== undefined && Object.hasOwn(JSON_ESCAPES, ch);

/** One level of JSON string escapes undone. */
function jsonUnescape(text: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(/\\(?:u([0-9A-Fa-f]{4})|(["\\/bfnrt]))/g, (m, hex: string | undefined, ch: string | undefined) =>
    hex ? String.fromCharCode(Number.parseInt(hex, 16)) : isJsonEscape(ch) ? JSON_ESCAPES[ch] : m,
  );
}

/** One level of decoding: the same string when there is nothing to decode. */
export function decodeOnce(text: string): string {
  return jsonUnescape(percentDecode(text));
}

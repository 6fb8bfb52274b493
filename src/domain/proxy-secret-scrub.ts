import { toHex } from "./sha256";

/** What an upstream's key is replaced with in anything relayed or logged. */
export const UPSTREAM_KEY_MARKER = "[REDACTED:upstream_key]";

/** Base64 runs shorter than this are not searched for: they would match unrelated text. */
const MIN_ENCODED_RUN = 8;

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * The runs of base64 that encode `bytes` wherever they sit in a longer
 * encoded text (`Basic` credentials, a base64 dump of the request): one per
 * alignment modulo 3, keeping only the characters that depend on `bytes` alone.
 */
function base64Runs(bytes: Uint8Array): string[] {
  const runs = [base64(bytes)];
  for (const offset of [0, 1, 2]) {
    const padded = new Uint8Array(offset + bytes.length);
    padded.set(bytes, offset);
    const lead = offset === 0 ? 0 : 3 - offset;
    const whole = Math.floor((bytes.length - lead) / 3);
    const start = offset === 0 ? 0 : 4;
    runs.push(base64(padded).slice(start, start + whole * 4));
  }
  return runs.flatMap((run) => [run, run.replaceAll("+", "-").replaceAll("/", "_")]).filter((run) => run.length >= MIN_ENCODED_RUN);
}

/**
 * Every form in which an upstream may echo its key back: as is, JSON- or
 * URL-escaped, base64 (either alphabet, any alignment) and hex. Longest first.
 */
export function secretForms(secret: string): string[] {
  if (secret === "") return [];
  const bytes = new TextEncoder().encode(secret);
  const hex = toHex(bytes);
  const forms = new Set([
    secret,
    JSON.stringify(secret).slice(1, -1),
    secret.replaceAll("/", "\\/"),
    encodeURIComponent(secret),
    ...base64Runs(bytes),
    hex,
    hex.toUpperCase(),
  ]);
  return [...forms].filter((f) => f !== "").sort((a, b) => b.length - a.length);
}

/**
 * A function that replaces every form of `secret` in a text with a marker;
 * without a secret it changes nothing.
 *
 * @example
 * const scrub = secretScrubber("sk-abc123xyz");
 * scrub('{"error":"bad key sk-abc123xyz"}') // '{"error":"bad key [REDACTED:upstream_key]"}'
 */
export function secretScrubber(secret: string | undefined): (text: string) => string {
  const forms = secret ? secretForms(secret) : [];
  return (text) => forms.reduce((out, form) => out.replaceAll(form, UPSTREAM_KEY_MARKER), text);
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A random lowercase alphanumeric id (used for key ids and chunk ids). */
export function randomId(length = 16): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let id = "";
  for (const b of bytes) id += ALPHABET[b % ALPHABET.length];
  return id;
}

/** 32 random bytes as base64url (43 characters): the secret part of an API key. */
export function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

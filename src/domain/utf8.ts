/** Any character outside ASCII: a string without one is as many UTF-8 bytes as it is long. */
const NON_ASCII = /[\u0080-\uffff]/;

/** True when every code unit of `s` is below 128 (one native scan). */
export const isAscii = (s: string): boolean => !NON_ASCII.test(s);

/** UTF-8 byte length of a string without allocating an encoded copy. */
export function utf8ByteLength(s: string): number {
  // One native scan settles the common case (JSON of English text); only other text is counted by hand.
  if (!NON_ASCII.test(s)) return s.length;
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

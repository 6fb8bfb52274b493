/**
 * Sets `v8Flags` in a compiled workerd config (a Cap'n Proto message of workerd.capnp's `Config`), which Miniflare's
 * options cannot express. workerd passes them to V8 for every isolate it runs.
 *
 * The config's root struct keeps its pointers; the flags (a List(Text)) are appended to the end of segment 0 and
 * pointer slot 2 (`v8Flags @2`, as Miniflare's generated `Config` class reads it) points at them. Pointers inside a
 * segment are relative and far pointers name a segment and an offset inside it, so growing segment 0 at its end
 * moves nothing any pointer refers to. A config whose root is not a plain struct pointer, or that already has flags,
 * is returned unchanged (`patched: false`).
 */

const V8_FLAGS_SLOT = 2;
const LIST = 1;
const ELEMENT_BYTE = 2;
const ELEMENT_POINTER = 6;

export function withV8Flags(config: Uint8Array, flags: readonly string[]): { config: Uint8Array; patched: boolean } {
  if (flags.length === 0) return { config, patched: false };
  const view = new DataView(config.buffer, config.byteOffset, config.byteLength);
  const segments = view.getUint32(0, true) + 1;
  const headerBytes = Math.ceil((4 + 4 * segments) / 8) * 8;
  const sizes = Array.from({ length: segments }, (_, i) => view.getUint32(4 + 4 * i, true));
  const segment0Words = sizes[0] ?? 0;
  if (headerBytes + 8 * sizes.reduce((a, b) => a + b, 0) !== config.byteLength || segment0Words < 1) return { config, patched: false };

  const word = (index: number) => headerBytes + 8 * index;
  const root = view.getUint32(word(0), true);
  if ((root & 3) !== 0) return { config, patched: false };
  const rootStart = 1 + (root >> 2);
  const dataWords = view.getUint16(word(0) + 4, true);
  const pointerCount = view.getUint16(word(0) + 6, true);
  if (pointerCount <= V8_FLAGS_SLOT) return { config, patched: false };
  const slot = rootStart + dataWords + V8_FLAGS_SLOT;
  if (view.getBigUint64(word(slot), true) !== 0n) return { config, patched: false };

  // The appended words: the list of text pointers, then each text (its bytes, a NUL, padded to a word).
  const texts = flags.map((f) => new TextEncoder().encode(f));
  const textWords = texts.map((t) => Math.ceil((t.length + 1) / 8));
  const added = flags.length + textWords.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(config.byteLength + 8 * added);
  const splitAt = word(segment0Words);
  out.set(config.subarray(0, splitAt), 0);
  out.set(config.subarray(splitAt), splitAt + 8 * added);
  const o = new DataView(out.buffer);
  o.setUint32(4, segment0Words + added, true);

  const listPointer = (at: number, target: number, elementSize: number, count: number) => {
    o.setUint32(word(at), (((target - (at + 1)) << 2) | LIST) >>> 0, true);
    o.setUint32(word(at) + 4, ((count << 3) | elementSize) >>> 0, true);
  };
  const listStart = segment0Words;
  listPointer(slot, listStart, ELEMENT_POINTER, flags.length);
  let next = listStart + flags.length;
  texts.forEach((text, i) => {
    listPointer(listStart + i, next, ELEMENT_BYTE, text.length + 1);
    out.set(text, word(next));
    next += textWords[i] as number;
  });
  return { config: out, patched: true };
}

/** Reads `v8Flags` back from a config (for tests and for the runner's start-up line). */
export function readV8Flags(config: Uint8Array): string[] {
  const view = new DataView(config.buffer, config.byteOffset, config.byteLength);
  const segments = view.getUint32(0, true) + 1;
  const headerBytes = Math.ceil((4 + 4 * segments) / 8) * 8;
  const word = (index: number) => headerBytes + 8 * index;
  const root = view.getUint32(word(0), true);
  const slot = 1 + (root >> 2) + view.getUint16(word(0) + 4, true) + V8_FLAGS_SLOT;
  const target = (at: number) => at + 1 + (view.getInt32(word(at), true) >> 2);
  const count = (at: number) => view.getUint32(word(at) + 4, true) >>> 3;
  if (view.getBigUint64(word(slot), true) === 0n) return [];
  const list = target(slot);
  return Array.from({ length: count(slot) }, (_, i) => {
    const at = list + i;
    const bytes = new Uint8Array(config.buffer, config.byteOffset + word(target(at)), count(at) - 1);
    return new TextDecoder().decode(bytes);
  });
}

import type { GleanerEvent, TrackEvent } from "./types.js";

/**
 * Completes an event at track time: a random UUID as its id and now as its
 * timestamp when absent, the client's source when it names none. The id is
 * fixed here, before buffering, so every resend of this event carries the same
 * id and the server stores it once.
 */
export function completeEvent(input: TrackEvent, defaultSource: string | undefined): GleanerEvent {
  if (typeof input !== "object" || input === null) throw new TypeError("track() takes an event object");
  const { id, type, source, timestamp, ...rest } = input;
  const eventSource = source ?? defaultSource;
  if (!type) throw new TypeError("track(): the event needs a type");
  if (!eventSource) throw new TypeError("track(): the event needs a source (or give the client a default source)");
  return { id: id ?? crypto.randomUUID(), type, source: eventSource, timestamp: timestamp ?? new Date().toISOString(), ...rest };
}

/** UTF-8 length of a string without encoding it. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

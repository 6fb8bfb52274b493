import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseClientTimestamp } from "../../src/domain/timestamps";
import { utf8ByteLength } from "../../src/domain/utf8";

/** The Date-based parse the arithmetic one replaced, kept as the reference it must agree with. */
function referenceParse(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?(Z)?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = "0", frac = "", zone] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const ms = Number(frac.padEnd(3, "0").slice(0, 3));
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year, month - 1, day);
  let time = date.getTime();
  if (date.getUTCDate() !== day) return null;
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = Number(digits.slice(2));
    if (offsetHours > 23 || offsetMins > 59) return null;
    time -= sign * (offsetHours * 60 + offsetMins) * 60_000;
  }
  return Math.abs(time) <= 8.64e15 ? time : null;
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** ISO-looking times at and past every field's edges: Feb 29 of all kinds of years, second 60, odd offsets. */
const isoish = fc
  .record({
    year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 4, 100, 400, 1900, 2000, 2024, 2100, 9999)),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(28, 29, 30, 31)),
    hour: fc.integer({ min: 0, max: 24 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.option(fc.integer({ min: 0, max: 61 })),
    frac: fc.option(fc.stringMatching(/^[0-9]{1,9}$/)),
    sep: fc.constantFrom("T", " "),
    zone: fc.oneof(
      fc.constantFrom("", "Z", "+00:00Z", "Z "),
      fc
        .tuple(fc.constantFrom("+", "-"), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.boolean())
        .map(([sign, h, m, colon]) => `${sign}${pad(h, 2)}${colon ? ":" : ""}${pad(m, 2)}`),
    ),
  })
  .map(({ year, month, day, hour, minute, second, frac, sep, zone }) => {
    const time =
      second === null ? `${pad(hour, 2)}:${pad(minute, 2)}` : `${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${frac === null ? "" : `.${frac}`}`;
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${sep}${time}${zone}`;
  });

describe("parseClientTimestamp (properties)", () => {
  it("gives the instant the Date-based parse gives, or refuses what it refuses", () => {
    fc.assert(
      fc.property(isoish, (text) => {
        expect(parseClientTimestamp(text)).toBe(referenceParse(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it("agrees with Date on every valid ISO time of the ECMAScript format", () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true, min: new Date("0000-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59.999Z") }), (d) => {
        expect(parseClientTimestamp(d.toISOString())).toBe(d.getTime());
      }),
      { numRuns: 5000 },
    );
  });
});

describe("utf8ByteLength (properties)", () => {
  it("counts what TextEncoder writes, lone surrogates as U+FFFD", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.oneof(fc.constant("a"), fc.constant("é"), fc.constant("€"), fc.constant("😀"), fc.constant("\ud800"), fc.constant("\udc00")) }),
        (s) => {
          expect(utf8ByteLength(s)).toBe(new TextEncoder().encode(s).byteLength);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?(Z)?$/;

/** Epoch values below this are seconds, at or above it milliseconds (year 5138 in seconds). */
const SECONDS_CEILING = 1e11;

/** The range of an ECMAScript Date: ±100,000,000 days around 1970. Anything outside is not a time. */
export const MAX_TIME_MS = 8.64e15;

/**
 * Parses a client timestamp into epoch milliseconds, or null when it is not a
 * time. Accepts what real producers write: ISO 8601 with `Z` or an offset,
 * naive ISO (read as UTC), the invalid `+00:00Z` that `isoformat() + "Z"`
 * produces, and Unix epoch numbers in seconds or milliseconds (also as strings).
 * Years are read as written (`0050` is the year 50, not 1950); offsets must be
 * real ones (hours ≤ 23, minutes ≤ 59); the result lies within ±8.64e15 ms.
 */
export function parseClientTimestamp(value: string | number): number | null {
  if (typeof value === "number") return epochToMs(value);
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return epochToMs(Number(trimmed));
  const m = ISO_PATTERN.exec(trimmed);
  if (!m) return null;
  // Every group but the optional ones is digits (the pattern says so); no array is built for them.
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const frac = m[7] ?? "";
  const zone = m[8];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const ms = Number(frac.padEnd(3, "0").slice(0, 3));
  let time: number;
  if (second < 60) {
    // The common case, in arithmetic: the same instant the Date calls below give, without two Date objects.
    if (day > daysInMonth(year, month)) return null;
    time = daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
  } else {
    // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear takes the year as written.
    const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
    date.setUTCFullYear(year, month - 1, day);
    time = date.getTime();
    if (date.getUTCDate() !== day) return null;
  }
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = Number(digits.slice(2));
    if (offsetHours > 23 || offsetMins > 59) return null;
    time -= sign * (offsetHours * 60 + offsetMins) * 60_000;
  }
  return Math.abs(time) <= MAX_TIME_MS ? time : null;
}

const isLeapYear = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function epochToMs(n: number): number | null {
  if (!Number.isFinite(n) || n < 0) return null;
  const ms = Math.round(n < SECONDS_CEILING ? n * 1000 : n);
  return ms <= MAX_TIME_MS ? ms : null;
}

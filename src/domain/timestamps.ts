const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?(Z)?$/;

/** Epoch values below this are seconds, at or above it milliseconds (year 5138 in seconds). */
const SECONDS_CEILING = 1e11;

/**
 * Parses a client timestamp into epoch milliseconds, or null when it is not a
 * time. Accepts what real producers write: ISO 8601 with `Z` or an offset,
 * naive ISO (read as UTC), the invalid `+00:00Z` that `isoformat() + "Z"`
 * produces, and Unix epoch numbers in seconds or milliseconds (also as strings).
 */
export function parseClientTimestamp(value: string | number): number | null {
  if (typeof value === "number") return epochToMs(value);
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return epochToMs(Number(trimmed));
  const m = ISO_PATTERN.exec(trimmed);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = "0", frac = "", zone] = m;
  const fields = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = fields;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const ms = Number(frac.padEnd(3, "0").slice(0, 3));
  let time = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (new Date(time).getUTCDate() !== day) return null;
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    time -= sign * offsetMinutes * 60_000;
  }
  return time;
}

function epochToMs(n: number): number | null {
  if (!Number.isFinite(n) || n < 0) return null;
  return Math.round(n < SECONDS_CEILING ? n * 1000 : n);
}

/** Number, time and value formatting for the explorer. */
export const fmtInt = (n: number | null | undefined): string => (n === null || n === undefined ? "–" : Math.round(n).toLocaleString("en-US"));

export function fmtNum(n: number | null | undefined, digits = 2): string {
  return n === null || n === undefined ? "–" : n.toFixed(digits);
}

export function fmtRate(r: number | null | undefined): string {
  if (r === null || r === undefined) return "–";
  if (r === 0) return "0/s";
  return `${r >= 100 ? Math.round(r).toLocaleString("en-US") : r >= 10 ? r.toFixed(1) : r.toFixed(2)}/s`;
}

export function fmtSeconds(sec: number | null | undefined): string {
  if (sec === null || sec === undefined) return "–";
  if (sec < 10) return `${sec.toFixed(1)} s`;
  const r = Math.round(sec);
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string) => `${big} ${bigUnit}${small ? ` ${small} ${smallUnit}` : ""}`;
  if (r < 90) return `${r} s`;
  if (r < 5400) return pair(Math.floor(r / 60), "min", r % 60, "s");
  const m = Math.round(r / 60);
  if (m < 2880) return pair(Math.floor(m / 60), "h", m % 60, "min");
  return `${Math.round(r / 86400)} days`;
}

export function fmtBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let b = bytes;
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return `${i === 0 ? String(b) : b.toFixed(b >= 100 ? 0 : 1)} ${units[i]}`;
}

/** "12 s ago" for an ISO time, against the server's clock. */
export function fmtAgo(iso: string | null | undefined, nowMs: number): string {
  if (!iso) return "never";
  const t = Date.parse(iso);
  return Number.isNaN(t) ? String(iso) : `${fmtSeconds(Math.max(0, (nowMs - t) / 1000))} ago`;
}

/** An ISO time as "2026-11-01 10:00:05" (UTC). */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const t = Date.parse(iso);
  return Number.isNaN(t)
    ? iso
    : new Date(t)
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, "Z");
}

/** A short one-line rendering of any JSON value. */
export function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isInteger(v) ? fmtInt(v) : v.toFixed(2);
  if (typeof v !== "object") return String(v);
  if (Array.isArray(v)) return v.map(fmtValue).join(", ");
  const o = v as Record<string, unknown>;
  return Object.keys(o)
    .filter((k) => typeof o[k] !== "object" || o[k] === null)
    .map((k) => `${k.replace(/_/g, " ")} ${fmtValue(o[k])}`)
    .join(" · ");
}

/** At most `max` characters of a text, with an ellipsis when cut. */
export function clip(text: string | null | undefined, max: number): string {
  if (!text) return "";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

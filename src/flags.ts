import { z } from "zod";

/**
 * Feature flags: typed, owned and dated. A flag past `expires_at` fails the
 * test suite (test/workers/flags.test.ts), so stale flags cannot pile up.
 * Override per environment with the FLAGS var: `name=on|off|<percent>,...`.
 */
export const FLAGS = {
  proxy_logging: {
    enabled: true,
    rollout_percent: 100,
    owner: "ingest",
    expires_at: "2027-06-30",
    description: "Record one event per proxied call (off: the proxy only forwards).",
  },
  dataset_near_duplicates: {
    enabled: true,
    rollout_percent: 100,
    owner: "datasets",
    expires_at: "2027-06-30",
    description: "Drop dataset examples that are near duplicates of earlier ones.",
  },
} as const satisfies Record<string, Flag>;

export interface Flag {
  enabled: boolean;
  rollout_percent: number;
  owner: string;
  expires_at: string;
  description: string;
}

export type FlagName = keyof typeof FLAGS;

const overrideSchema = z.string().regex(/^(on|off|\d{1,3})$/);

/** Parses FLAGS (`name=on|off|percent`, comma-separated); unknown names or bad values throw, naming them. */
export function parseFlagOverrides(text: string | undefined): Partial<Record<FlagName, { enabled: boolean; rollout_percent: number }>> {
  const out: Partial<Record<FlagName, { enabled: boolean; rollout_percent: number }>> = {};
  for (const entry of (text ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [name, value = ""] = entry.split("=");
    if (!name || !(name in FLAGS)) throw new Error(`FLAGS names an unknown flag '${name}'`);
    if (!overrideSchema.safeParse(value).success) throw new Error(`FLAGS value for '${name}' must be on, off or a percentage`);
    out[name as FlagName] =
      value === "on"
        ? { enabled: true, rollout_percent: 100 }
        : value === "off"
          ? { enabled: false, rollout_percent: 0 }
          : { enabled: true, rollout_percent: Math.min(100, Number(value)) };
  }
  return out;
}

/** Whether a flag is on for a subject (stable bucketing by a hash of the subject for partial rollouts). */
export function isFlagOn(name: FlagName, overridesText: string | undefined, subject = ""): boolean {
  const flag = { ...FLAGS[name], ...parseFlagOverrides(overridesText)[name] };
  if (!flag.enabled) return false;
  if (flag.rollout_percent >= 100) return true;
  let h = 0;
  for (const ch of `${name}:${subject}`) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 100 < flag.rollout_percent;
}

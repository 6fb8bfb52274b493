import { describe, expect, it } from "vitest";
import { FLAGS, isFlagOn, parseFlagOverrides } from "../../src/flags";

describe("feature flags", () => {
  it.each(Object.entries(FLAGS))("flag %s has an owner and has not expired (remove or extend it)", (name, flag) => {
    expect(flag.owner.length, `${name} needs an owner`).toBeGreaterThan(0);
    expect(Date.parse(flag.expires_at), `${name} expired on ${flag.expires_at}: remove it or extend it deliberately`).toBeGreaterThan(Date.now());
  });

  it("is overridable per environment, rejecting unknown names and bad values", () => {
    expect(isFlagOn("proxy_logging", undefined)).toBe(true);
    expect(isFlagOn("proxy_logging", "proxy_logging=off")).toBe(false);
    expect(parseFlagOverrides("dataset_near_duplicates=25")).toEqual({ dataset_near_duplicates: { enabled: true, rollout_percent: 25 } });
    expect(() => parseFlagOverrides("nope=on")).toThrow(/unknown flag 'nope'/);
    expect(() => parseFlagOverrides("proxy_logging=maybe")).toThrow(/on, off or a percentage/);
  });

  it("buckets a partial rollout stably by subject", () => {
    const on = Array.from({ length: 1000 }, (_, i) => isFlagOn("proxy_logging", "proxy_logging=30", `project-${i}`)).filter(Boolean).length;
    expect(on).toBeGreaterThan(200);
    expect(on).toBeLessThan(400);
    expect(isFlagOn("proxy_logging", "proxy_logging=30", "project-7")).toBe(isFlagOn("proxy_logging", "proxy_logging=30", "project-7"));
  });
});

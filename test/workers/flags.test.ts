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
    const subjects = Array.from({ length: 1000 }, (_, i) => `project-${i}`);
    const on = (percent: number) => subjects.filter((s) => isFlagOn("proxy_logging", `proxy_logging=${percent}`, s));
    expect(on(30).length).toBeGreaterThan(200);
    expect(on(30).length).toBeLessThan(400);
    // Widening a rollout keeps every subject the narrower one had.
    expect(on(60)).toEqual(expect.arrayContaining(on(30)));
    expect(on(0)).toEqual([]);
    expect(on(100)).toEqual(subjects);
  });

  it("keeps who is in a partial rollout from one build to the next, per flag", () => {
    // Pinned buckets: a change to the bucketing would flip live subjects in and out of a rollout.
    const subjects = ["alpha", "beta", "gamma", "delta", "acme", "checkout", "search", "billing"];
    expect(subjects.filter((s) => isFlagOn("proxy_logging", "proxy_logging=30", s))).toEqual(["delta"]);
    expect(subjects.filter((s) => isFlagOn("dataset_near_duplicates", "dataset_near_duplicates=30", s))).toEqual(["alpha", "gamma", "checkout"]);
  });
});

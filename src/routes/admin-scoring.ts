import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { ADMIN, recordAudit } from "../adapters/audit-store";
import { addProfileVersion, listProfileVersions, loadFitSamples, replaceRules } from "../adapters/profile-store";
import { loadScoringConfig } from "../adapters/scoring-store";
import { fitWeights } from "../domain/scoring/fit";
import { PROFILE_NAME, profileRuleSchema, weightsSchema } from "../domain/scoring/profiles";
import type { Env } from "../env";
import { ApiError } from "./errors";
import { validationHook } from "./validation";

/** Weight profiles, the rules that choose them, and fitted weights. Mounted under /v1/admin (admin token). */
export const adminScoringRoutes = new Hono<{ Bindings: Env }>();

export const profileParam = z.object({ name: z.string().regex(PROFILE_NAME, "must be 1-63 of a-z, 0-9 or '_', starting with a letter") });

/** Fewest labelled samples a fit needs before it reports anything. */
const FIT_MIN_SAMPLES = 10;

export const profileVersionBody = z.strictObject({ weights: weightsSchema, note: z.string().max(500).optional() });

export const rulesBody = z.strictObject({ rules: z.array(profileRuleSchema).max(200) });

adminScoringRoutes.get("/profiles", async (c) => {
  const versions = await listProfileVersions(c.env.DB);
  const current = new Map(versions.map((v) => [v.name, v]));
  return c.json({ current: [...current.values()], versions });
});

adminScoringRoutes.post(
  "/profiles/:name/versions",
  zValidator("param", profileParam, validationHook),
  zValidator("json", profileVersionBody, validationHook),
  async (c) => {
    const { name } = c.req.valid("param");
    const { weights, note } = c.req.valid("json");
    const now = Date.now();
    const version = await addProfileVersion(c.env.DB, name, weights, note ?? null, now);
    await recordAudit(c.env.DB, { actor: ADMIN, action: "scoring.profile.create", target: name, details: { version, weights } }, now);
    return c.json({ name, version, weights, note: note ?? null, rescoring: "the scoring cron re-scores events of older versions" }, 201);
  },
);

adminScoringRoutes.get("/rules", async (c) => c.json({ rules: (await loadScoringConfig(c.env.DB)).rules }));

adminScoringRoutes.put(
  "/rules",
  zValidator("json", rulesBody, validationHook),
  async (c) => {
    const { rules } = c.req.valid("json");
    const known = (await loadScoringConfig(c.env.DB)).profiles;
    const unknown = rules.filter((r) => !known.has(r.profile)).map((r) => r.profile);
    if (unknown.length) throw new ApiError(400, "unknown_profile", `no profile named ${unknown.map((n) => `'${n}'`).join(", ")}`);
    await replaceRules(c.env.DB, rules);
    await recordAudit(c.env.DB, { actor: ADMIN, action: "scoring.rules.replace", target: "rules", details: { rules: rules.length } }, Date.now());
    return c.json({ rules });
  },
);

async function fitProfile(env: Env, name: string) {
  const profile = (await loadScoringConfig(env.DB)).profiles.get(name);
  if (!profile) throw new ApiError(404, "not_found", `no profile named '${name}'`);
  const seen = new Set<string>();
  const samples = (await loadFitSamples(env.DB, name)).filter((s) => !seen.has(s.id) && seen.add(s.id));
  if (samples.length < FIT_MIN_SAMPLES) {
    throw new ApiError(422, "not_enough_feedback", `a fit needs at least ${FIT_MIN_SAMPLES} scored events with feedback; '${name}' has ${samples.length}`);
  }
  return { profile, report: fitWeights(samples, profile.weights) };
}

/** Reports fitted weights and how well they and the configured ones predict held-out feedback. Adopts nothing. */
adminScoringRoutes.post("/profiles/:name/fit", zValidator("param", profileParam, validationHook), async (c) => {
  const { profile, report } = await fitProfile(c.env, c.req.valid("param").name);
  return c.json({ profile: profile.name, configured: { version: profile.version, weights: profile.weights }, fitted: report });
});

/** Adopts the fitted weights as a new version, only when an admin asks. */
adminScoringRoutes.post("/profiles/:name/adopt-fit", zValidator("param", profileParam, validationHook), async (c) => {
  const { profile, report } = await fitProfile(c.env, c.req.valid("param").name);
  const note = `fitted on ${report.train} samples; held-out MSE ${report.mse_fitted?.toFixed(4)} vs configured ${report.mse_configured?.toFixed(4)}`;
  const now = Date.now();
  const version = await addProfileVersion(c.env.DB, profile.name, report.weights, note, now);
  await recordAudit(c.env.DB, { actor: ADMIN, action: "scoring.profile.adopt_fit", target: profile.name, details: { version, weights: report.weights } }, now);
  return c.json({ name: profile.name, version, weights: report.weights, fitted: report }, 201);
});

import { createRoute, z } from "@hono/zod-openapi";
import { ADMIN, recordAudit } from "../adapters/audit-store";
import { addProfileVersion, listProfileVersions, replaceRules } from "../adapters/profile-store";
import { loadScoringConfig } from "../adapters/scoring-store";
import { PROFILE_NAME, profileRuleSchema, weightsSchema } from "../domain/scoring/profiles";
import { named } from "../openapi/names";
import { errorResponses, json, jsonBody, requires, routeApp } from "../openapi/route-kit";
import { isoTime } from "../openapi/shared";
import { FIT_MIN_SAMPLES, fitProfile } from "../pipeline/fit-profile";
import { ApiError, problemError } from "./errors";
import { isProblem } from "../domain/problem";

named(weightsSchema, "Weights");
named(profileRuleSchema, "ProfileRule");

const profileParam = z.object({ name: z.string().regex(PROFILE_NAME, "must be 1-63 of a-z, 0-9 or '_', starting with a letter") });

const profileVersionBody = z.strictObject({ weights: weightsSchema, note: z.string().max(500).optional() });

/** Most rules a list may hold. */
const RULES_MAX = 200;

const rulesBody = z.strictObject({ rules: z.array(profileRuleSchema).max(RULES_MAX) });

const profileVersionSchema = z.strictObject({
  name: z.string(),
  version: z.number().int(),
  weights: weightsSchema,
  note: z.string().nullable(),
  created_at: isoTime,
});

/** src/domain/scoring/fit.ts FitReport. */
const fitReportSchema = named(
  z.strictObject({
    weights: weightsSchema,
    train: z.number().int(),
    test: z.number().int(),
    mse_fitted: z.number().nullable().describe("held-out mean squared error of the fitted weights"),
    mse_configured: z.number().nullable().describe("held-out mean squared error of the configured weights"),
    iterations: z.number().int(),
  }),
  "FitReport",
);

const FIT_ERRORS = {
  400: "not a profile name (`validation_failed`)",
  404: "no such profile",
  422: `fewer than ${FIT_MIN_SAMPLES} scored events with feedback (\`not_enough_feedback\`)`,
};

const listProfiles = createRoute({
  method: "get",
  path: "/profiles",
  tags: ["admin: scoring"],
  summary: "List weight profiles",
  ...requires("admin"),
  responses: {
    200: json(
      "the newest version of each profile, and every version",
      z.strictObject({ current: z.array(profileVersionSchema), versions: z.array(profileVersionSchema) }),
    ),
    ...errorResponses("admin"),
  },
});

const addVersion = createRoute({
  method: "post",
  path: "/profiles/{name}/versions",
  tags: ["admin: scoring"],
  summary: "Add a version of a profile",
  description: "Scores keep the version they used; the scoring cron re-scores events of older versions. Only the ratios of the weights matter.",
  ...requires("admin"),
  request: {
    params: profileParam,
    body: jsonBody(profileVersionBody, {
      outcomes: {
        summary: "trust outcomes more",
        value: { weights: { outcome: 0.5, feedback: 0.3, reusability: 0.1, complexity: 0.05, novelty: 0.05, quality: 0.2 }, note: "trust outcomes more" },
      },
    }),
  },
  responses: {
    201: json(
      "the new version",
      z.strictObject({ name: z.string(), version: z.number().int(), weights: weightsSchema, note: z.string().nullable(), rescoring: z.string() }),
    ),
    ...errorResponses("admin", { 400: "not a profile name, a negative weight, or none positive (`validation_failed`, naming the field)" }),
  },
});

const readRules = createRoute({
  method: "get",
  path: "/rules",
  tags: ["admin: scoring"],
  summary: "The rules that choose a profile",
  ...requires("admin"),
  responses: {
    200: json("in order; the first match wins, else `default`", z.strictObject({ rules: z.array(profileRuleSchema) })),
    ...errorResponses("admin"),
  },
});

const putRules = createRoute({
  method: "put",
  path: "/rules",
  tags: ["admin: scoring"],
  summary: "Replace all the rules",
  description:
    "Replaces the WHOLE rule list: the rules sent become the only ones, and every rule not in the body is deleted, the seeded ones " +
    "included. To add or change one rule, GET the rules, edit the list and PUT all of it back. `replaced` in the answer says how many " +
    "rules the previous list held.",
  ...requires("admin"),
  request: {
    body: jsonBody(rulesBody, {
      crashes: {
        summary: "the whole list: crash reports are debugging, docs are documentation, nothing else",
        value: {
          rules: [
            { profile: "debugging", source: "crash-*" },
            { profile: "documentation", tag: "doc*" },
          ],
        },
      },
    }),
  },
  responses: {
    200: json(
      "the rules as stored, now the whole list, and how many rules it replaced",
      z.strictObject({
        replaced: z.number().int().describe("how many rules the previous list held: all of them were deleted"),
        rules: z.array(profileRuleSchema),
      }),
      {
        replaced: {
          summary: "two rules replaced the eight seeded ones",
          value: {
            replaced: 8,
            rules: [
              { profile: "debugging", source: "crash-*" },
              { profile: "documentation", tag: "doc*" },
            ],
          },
        },
      },
    ),
    ...errorResponses("admin", {
      400: `a rule without type, source or tag, over ${RULES_MAX} rules (\`validation_failed\`), or a rule naming no known profile (\`unknown_profile\`)`,
    }),
  },
});

const fitRoute = createRoute({
  method: "post",
  path: "/profiles/{name}/fit",
  tags: ["admin: scoring"],
  summary: "Fit weights to explicit feedback (adopts nothing)",
  ...requires("admin"),
  request: { params: profileParam },
  responses: {
    200: json(
      "fitted weights and how well they and the configured ones predict held-out feedback",
      z.strictObject({
        profile: z.string(),
        configured: z.strictObject({ version: z.number().int(), weights: weightsSchema }),
        fitted: fitReportSchema,
      }),
    ),
    ...errorResponses("admin", FIT_ERRORS),
  },
});

const adoptFitRoute = createRoute({
  method: "post",
  path: "/profiles/{name}/adopt-fit",
  tags: ["admin: scoring"],
  summary: "Fit and adopt the fitted weights as a new version",
  ...requires("admin"),
  request: { params: profileParam },
  responses: {
    201: json("the new version", z.strictObject({ name: z.string(), version: z.number().int(), weights: weightsSchema, fitted: fitReportSchema })),
    ...errorResponses("admin", FIT_ERRORS),
  },
});

/** Weight profiles, the rules that choose them, and fitted weights. Mounted under /v1/admin/scoring (admin token). */
export const adminScoringRoutes = routeApp();

adminScoringRoutes.openapi(listProfiles, async (c) => {
  const versions = await listProfileVersions(c.env.DB);
  const current = new Map(versions.map((v) => [v.name, v]));
  return c.json({ current: [...current.values()], versions }, 200);
});

adminScoringRoutes.openapi(addVersion, async (c) => {
  const { name } = c.req.valid("param");
  const { weights, note } = c.req.valid("json");
  const now = Date.now();
  const version = await addProfileVersion(c.env.DB, name, weights, note ?? null, now);
  await recordAudit(c.env.DB, { actor: ADMIN, action: "scoring.profile.create", target: name, details: { version, weights } }, now);
  return c.json({ name, version, weights, note: note ?? null, rescoring: "the scoring cron re-scores events of older versions" }, 201);
});

adminScoringRoutes.openapi(readRules, async (c) => c.json({ rules: (await loadScoringConfig(c.env.DB)).rules }, 200));

adminScoringRoutes.openapi(putRules, async (c) => {
  const { rules } = c.req.valid("json");
  const previous = await loadScoringConfig(c.env.DB);
  const unknown = rules.filter((r) => !previous.profiles.has(r.profile)).map((r) => r.profile);
  if (unknown.length) throw new ApiError(400, "unknown_profile", `no profile named ${unknown.map((n) => `'${n}'`).join(", ")}`);
  await replaceRules(c.env.DB, rules);
  await recordAudit(c.env.DB, { actor: ADMIN, action: "scoring.rules.replace", target: "rules", details: { rules: rules.length } }, Date.now());
  return c.json({ replaced: previous.rules.length, rules }, 200);
});

/** Reports fitted weights and how well they and the configured ones predict held-out feedback. Adopts nothing. */
adminScoringRoutes.openapi(fitRoute, async (c) => {
  const fit = await fitProfile(c.env.DB, c.req.valid("param").name);
  if (isProblem(fit)) throw problemError(fit);
  const { profile, report } = fit;
  return c.json({ profile: profile.name, configured: { version: profile.version, weights: profile.weights }, fitted: report }, 200);
});

/** Adopts the fitted weights as a new version, only when an admin asks. */
adminScoringRoutes.openapi(adoptFitRoute, async (c) => {
  const fit = await fitProfile(c.env.DB, c.req.valid("param").name);
  if (isProblem(fit)) throw problemError(fit);
  const { profile, report } = fit;
  const note = `fitted on ${report.train} samples; held-out MSE ${report.mse_fitted?.toFixed(4)} vs configured ${report.mse_configured?.toFixed(4)}`;
  const now = Date.now();
  const version = await addProfileVersion(c.env.DB, profile.name, report.weights, note, now);
  await recordAudit(c.env.DB, { actor: ADMIN, action: "scoring.profile.adopt_fit", target: profile.name, details: { version, weights: report.weights } }, now);
  return c.json({ name: profile.name, version, weights: report.weights, fitted: report }, 201);
});

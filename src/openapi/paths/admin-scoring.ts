import { z } from "zod";
import { profileRuleSchema, weightsSchema } from "../../domain/scoring/profiles";
import { profileParam, profileVersionBody, rulesBody } from "../../routes/admin-scoring";
import { named } from "../names";
import type { Operation } from "../operation";
import { isoTime } from "../shared";

named(weightsSchema, "Weights");
named(profileRuleSchema, "ProfileRule");

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

const FIT_ERRORS = { 400: "validation_failed", 404: "no such profile", 422: "fewer than 10 scored events with feedback (`not_enough_feedback`)" };

export const adminScoringOperations: Operation[] = [
  {
    method: "get",
    path: "/v1/admin/scoring/profiles",
    tag: "admin: scoring",
    summary: "List weight profiles",
    auth: "admin",
    responses: {
      200: {
        description: "the newest version of each profile, and every version",
        schema: z.strictObject({ current: z.array(profileVersionSchema), versions: z.array(profileVersionSchema) }),
      },
    },
  },
  {
    method: "post",
    path: "/v1/admin/scoring/profiles/{name}/versions",
    tag: "admin: scoring",
    summary: "Add a version of a profile",
    description: "Scores keep the version they used; the scoring cron re-scores events of older versions. Only the ratios of the weights matter.",
    auth: "admin",
    params: profileParam,
    body: [
      {
        schema: profileVersionBody,
        examples: {
          outcomes: {
            summary: "trust outcomes more",
            value: { weights: { outcome: 0.5, feedback: 0.3, reusability: 0.1, complexity: 0.05, novelty: 0.05 }, note: "trust outcomes more" },
          },
        },
      },
    ],
    responses: {
      201: {
        description: "the new version",
        schema: z.strictObject({ name: z.string(), version: z.number().int(), weights: weightsSchema, note: z.string().nullable(), rescoring: z.string() }),
      },
    },
    errors: { 400: "validation_failed: a negative weight, or none positive" },
  },
  {
    method: "get",
    path: "/v1/admin/scoring/rules",
    tag: "admin: scoring",
    summary: "The rules that choose a profile",
    auth: "admin",
    responses: { 200: { description: "in order; the first match wins, else `default`", schema: rulesBody } },
  },
  {
    method: "put",
    path: "/v1/admin/scoring/rules",
    tag: "admin: scoring",
    summary: "Replace the rules",
    auth: "admin",
    body: [
      {
        schema: rulesBody,
        examples: {
          crashes: {
            summary: "crash reports are debugging, docs are documentation",
            value: {
              rules: [
                { profile: "debugging", source: "crash-*" },
                { profile: "documentation", tag: "doc*" },
              ],
            },
          },
        },
      },
    ],
    responses: { 200: { description: "the rules as stored", schema: rulesBody } },
    errors: { 400: "validation_failed, or a rule names no known profile (`unknown_profile`)" },
  },
  {
    method: "post",
    path: "/v1/admin/scoring/profiles/{name}/fit",
    tag: "admin: scoring",
    summary: "Fit weights to explicit feedback (adopts nothing)",
    auth: "admin",
    params: profileParam,
    responses: {
      200: {
        description: "fitted weights and how well they and the configured ones predict held-out feedback",
        schema: z.strictObject({
          profile: z.string(),
          configured: z.strictObject({ version: z.number().int(), weights: weightsSchema }),
          fitted: fitReportSchema,
        }),
      },
    },
    errors: FIT_ERRORS,
  },
  {
    method: "post",
    path: "/v1/admin/scoring/profiles/{name}/adopt-fit",
    tag: "admin: scoring",
    summary: "Fit and adopt the fitted weights as a new version",
    auth: "admin",
    params: profileParam,
    responses: {
      201: {
        description: "the new version",
        schema: z.strictObject({ name: z.string(), version: z.number().int(), weights: weightsSchema, fitted: fitReportSchema }),
      },
    },
    errors: FIT_ERRORS,
  },
];

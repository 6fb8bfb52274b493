import { createRoute, z } from "@hono/zod-openapi";
import { findEvent } from "../adapters/event-store";
import { readVerdicts } from "../adapters/judge-store";
import { profileWeights } from "../adapters/profile-weights";
import { latestScores } from "../adapters/scoring-store";
import { judgeAnswer } from "../domain/scoring/answer-quality";
import { COMPONENTS, upcastWeights } from "../domain/scoring/components";
import { upcastEvent } from "../domain/upcast";
import { readConfig } from "../config";
import { judgeRequestOf, qualityInputOf } from "../pipeline/score-events";
import { judgeConfig } from "../wiring";
import { named } from "../openapi/names";
import { errorResponses, json, requires, routeApp } from "../openapi/route-kit";
import { isoTime } from "../openapi/shared";
import type { ProjectVars } from "./auth";
import { ApiError } from "./errors";

/** The `{id}` of /v1/events/{id} and /v1/events/{id}/score. */
export const eventIdParam = z.object({ id: z.string().min(1).max(200).describe("the event id the producer sent") });

const componentValues = z.strictObject(
  Object.fromEntries(COMPONENTS.map((n) => [n, z.number().nullable()])) as Record<(typeof COMPONENTS)[number], z.ZodNullable<z.ZodNumber>>,
);

const scoreSchema = named(
  z.strictObject({
    event_id: z.string(),
    value: z.number().nullable().describe("null when there is no evidence of value (no outcome and no feedback)"),
    confidence: z.number(),
    components: componentValues.describe("each in [0, 1], or null when unknown"),
    weights: z.strictObject({ profile: z.string(), version: z.number().int() }),
    weight_values: z.record(z.string(), z.number()),
    contributions: componentValues.describe("w·c / Σ known w for each known component"),
    high_value: z.boolean(),
    non_answer: z.boolean().describe("the answer-quality judge found no answer (a refusal, an error, nothing): never high value"),
    quality_hits: z
      .array(z.strictObject({ rule: z.string(), score: z.number(), detail: z.string() }))
      .describe("the answer-quality rules that matched (docs/answer-quality.md); none: quality came from the answer's length"),
    quality_source: z
      .enum(["heuristic", "llm"])
      .describe("which judge gave `quality`: the heuristic rules, or the optional LLM judge's cached verdict (docs/answer-quality.md)"),
    judge_reason: z.string().optional().describe("the LLM judge's reason, when `quality_source` is `llm`"),
    reason: z.string(),
    scored_at: isoTime,
  }),
  "Score",
);

const readScore = createRoute({
  method: "get",
  path: "/{id}/score",
  tags: ["events"],
  summary: "The event's value score and why",
  ...requires("project"),
  request: { params: eventIdParam },
  responses: {
    200: json("value, confidence, components, weights and each component's contribution", scoreSchema),
    ...errorResponses("project", {
      400: "an empty id, or one over 200 characters (`validation_failed`)",
      404: "no such event (`not_found`), or stored but not scored yet (`not_scored`)",
    }),
  },
});

/** GET /v1/events/{id}/score, mounted inside the events sub-app (which already requires a project key). */
export const scoreRoutes = routeApp<ProjectVars>().openapi(readScore, async (c) => {
  const project = c.get("project");
  const { id } = c.req.valid("param");
  const record = await findEvent(c.env.DB, project, id);
  if (!record) throw new ApiError(404, "not_found", `no event with id '${id}' in this project`);
  const score = (await latestScores(c.env.DB, project, [id])).get(id);
  if (!score) throw new ApiError(404, "not_scored", `event '${id}' is stored (status ${record.status}) but not scored yet`);
  const stored = await profileWeights(c.env.DB, score.profile, score.profileVersion);
  const weights: Record<string, number> = stored ? upcastWeights(stored) : {};
  // The judge is pure and cheap: its explanation is recomputed from the stored event, never stored twice.
  const event = upcastEvent(record.event, record.schemaVersion);
  const verdict = judgeAnswer(qualityInputOf(event));
  // The LLM judge's verdict counts when this score was made after it was cached (the re-score it triggered, or later).
  const judge = verdict.non_answer ? null : judgeConfig(c.env, readConfig(c.env));
  const request = judge ? await judgeRequestOf(judge.model, score.profile, event) : undefined;
  const cached = request ? (await readVerdicts(c.env.DB, project, [request.hash])).get(request.hash) : undefined;
  const llm = cached && cached.judgedAt <= score.scoredAt ? cached : undefined;
  const components = Object.fromEntries(COMPONENTS.map((n) => [n, score.components[n] ?? null])) as Record<(typeof COMPONENTS)[number], number | null>;
  const knownWeight = COMPONENTS.reduce((s, n) => s + (components[n] === null ? 0 : (weights[n] ?? 0)), 0);
  // What each known component added to the value: w·c / Σ known w.
  const contributions = Object.fromEntries(
    COMPONENTS.map((n) => [n, components[n] === null || score.value === null || knownWeight === 0 ? null : ((weights[n] ?? 0) * components[n]) / knownWeight]),
  ) as Record<(typeof COMPONENTS)[number], number | null>;
  return c.json(
    {
      event_id: id,
      value: score.value,
      confidence: score.confidence,
      components,
      weights: { profile: score.profile, version: score.profileVersion },
      weight_values: weights,
      contributions,
      high_value: score.highValue,
      non_answer: verdict.non_answer || (llm?.non_answer ?? false),
      quality_hits: verdict.hits,
      quality_source: llm ? ("llm" as const) : ("heuristic" as const),
      ...(llm ? { judge_reason: llm.reason } : {}),
      reason: score.reason,
      scored_at: new Date(score.scoredAt).toISOString(),
    },
    200,
  );
});

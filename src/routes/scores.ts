import { Hono } from "hono";
import { findEvent } from "../adapters/event-store";
import { latestScores } from "../adapters/scoring-store";
import { COMPONENTS } from "../domain/scoring/components";
import type { Env } from "../env";
import type { ProjectVars } from "./auth";
import { ApiError } from "./errors";

/** GET /v1/events/{id}/score, mounted inside the events sub-app (which already requires a project key). */
export const scoreRoutes = new Hono<{ Bindings: Env; Variables: ProjectVars }>();

scoreRoutes.get("/:id/score", async (c) => {
  const project = c.get("project");
  const id = c.req.param("id");
  const record = await findEvent(c.env.DB, project, id);
  if (!record) throw new ApiError(404, "not_found", `no event with id '${id}' in this project`);
  const score = (await latestScores(c.env.DB, project, [id])).get(id);
  if (!score) throw new ApiError(404, "not_scored", `event '${id}' is stored (status ${record.status}) but not scored yet`);
  const weightRow = await c.env.DB.prepare("SELECT weights FROM weight_profiles WHERE name = ?1 AND version = ?2")
    .bind(score.profile, score.profileVersion)
    .first<{ weights: string }>();
  const weights = weightRow ? (JSON.parse(weightRow.weights) as Record<string, number>) : {};
  const components = Object.fromEntries(COMPONENTS.map((n) => [n, score.components[n] ?? null]));
  const knownWeight = COMPONENTS.reduce((s, n) => s + (components[n] === null ? 0 : (weights[n] ?? 0)), 0);
  return c.json({
    event_id: id,
    value: score.value,
    confidence: score.confidence,
    components,
    weights: { profile: score.profile, version: score.profileVersion },
    weight_values: weights,
    // What each known component added to the value: w·c / Σ known w.
    contributions: Object.fromEntries(
      COMPONENTS.map((n) => [n, components[n] === null || score.value === null || knownWeight === 0 ? null : ((weights[n] ?? 0) * components[n]!) / knownWeight]),
    ),
    high_value: score.highValue,
    reason: score.reason,
    scored_at: new Date(score.scoredAt).toISOString(),
  });
});

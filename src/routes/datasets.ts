import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { auditIfChangedStatement, auditStatement, keyActor, recordAudit } from "../adapters/audit-store";
import { findDataset, listDatasets, listSnapshots, upsertDataset } from "../adapters/dataset-store";
import { loadScoringConfig } from "../adapters/scoring-store";
import { EXPORT_FORMATS, type ExportFormat } from "../domain/datasets/export-formats";
import { DATASET_NAME, datasetRulesSchema } from "../domain/datasets/rules";
import type { Env } from "../env";
import { createSnapshot, diffSnapshot, exportSnapshot, snapshotRedactions } from "../pipeline/snapshots";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError } from "./errors";
import { validationHook } from "./validation";

export const datasetRoutes = new Hono<{ Bindings: Env; Variables: ProjectVars }>();

datasetRoutes.use("*", requireProjectKey);

export const nameParam = z.object({ name: z.string().regex(DATASET_NAME, "must be 1-63 of a-z, 0-9, '-' or '_'") });

export const datasetBody = z.strictObject({ rules: datasetRulesSchema.default(datasetRulesSchema.parse({})) });

export const rollbackBody = z.strictObject({ version: z.number().int().positive() });

async function datasetOr404(env: Env, project: string, name: string) {
  const ds = await findDataset(env.DB, project, name);
  if (!ds) throw new ApiError(404, "not_found", `no dataset '${name}' in this project`);
  return ds;
}

async function snapshotOr404(env: Env, project: string, name: string, version: number) {
  const found = (await listSnapshots(env.DB, project, name)).find((s) => s.version === version);
  if (!found) throw new ApiError(404, "not_found", `dataset '${name}' has no snapshot ${version}`);
  return found;
}

datasetRoutes.get("/", async (c) => {
  const project = c.get("project");
  const sizes = await c.env.DB.prepare("SELECT dataset, example_count, size_bytes FROM dataset_current_sizes WHERE project = ?1")
    .bind(project)
    .all<{ dataset: string; example_count: number; size_bytes: number }>();
  const byName = new Map(sizes.results.map((r) => [r.dataset, r]));
  const list = await listDatasets(c.env.DB, project);
  return c.json({
    datasets: list.map((d) => ({
      name: d.name,
      rules: d.rules,
      current_version: d.currentVersion,
      examples: byName.get(d.name)?.example_count ?? 0,
      bytes: byName.get(d.name)?.size_bytes ?? 0,
    })),
  });
});

/** Creates a dataset or changes its rules (new examples follow the new rules; snapshots keep theirs). */
datasetRoutes.put(
  "/:name",
  zValidator("param", nameParam, validationHook),
  zValidator("json", datasetBody, validationHook),
  async (c) => {
    const { name } = c.req.valid("param");
    const { rules } = c.req.valid("json");
    const project = c.get("project");
    const now = Date.now();
    const existed = await findDataset(c.env.DB, project, name);
    await upsertDataset(c.env.DB, project, name, rules, now);
    const action = existed ? "dataset.update" : "dataset.create";
    await recordAudit(c.env.DB, { actor: keyActor(c.get("keyId")), action, target: name, project, details: { rules } }, now);
    return c.json({ name, rules });
  },
);

datasetRoutes.post("/:name/snapshots", zValidator("param", nameParam, validationHook), async (c) => {
  const ds = await datasetOr404(c.env, c.get("project"), c.req.valid("param").name);
  const now = Date.now();
  const snapshot = await createSnapshot(c.env.DB, ds, now);
  await recordAudit(c.env.DB, { actor: keyActor(c.get("keyId")), action: "dataset.snapshot", target: ds.name, project: ds.project, details: snapshot }, now);
  return c.json(snapshot, 201);
});

datasetRoutes.get("/:name/snapshots", async (c) => {
  const ds = await datasetOr404(c.env, c.get("project"), c.req.param("name"));
  return c.json({ current_version: ds.currentVersion, snapshots: await listSnapshots(c.env.DB, ds.project, ds.name) });
});

/** Streams a snapshot as JSONL (`{version}.jsonl`; `current.jsonl` follows the current pointer). */
datasetRoutes.get("/:name/snapshots/:file{[a-z0-9]+\\.jsonl}", async (c) => {
  const ds = await datasetOr404(c.env, c.get("project"), c.req.param("name"));
  const stem = c.req.param("file").replace(/\.jsonl$/, "");
  const version = stem === "current" ? ds.currentVersion : /^\d+$/.test(stem) ? Number(stem) : null;
  if (version === null) throw new ApiError(404, "not_found", stem === "current" ? "this dataset has no snapshot yet" : `'${stem}' is not a version`);
  const snapshot = await snapshotOr404(c.env, ds.project, ds.name, version);
  const format = (c.req.query("format") ?? "openai-chat") as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new ApiError(400, "unknown_format", `format must be one of ${EXPORT_FORMATS.join(", ")}`);
  return new Response(exportSnapshot(c.env.DB, ds, version, format), {
    headers: {
      "Content-Type": "application/x-ndjson",
      "Content-Disposition": `attachment; filename="${ds.name}-v${version}-${format}.jsonl"`,
      "X-Gleaner-Format": format,
      "X-Gleaner-Examples": String(snapshot.examples),
      "X-Gleaner-Sha256": snapshot.sha256,
      ETag: `"${snapshot.sha256}"`,
    },
  });
});

/**
 * What a snapshot is, for whoever trains on it: its version, rules, the score
 * policy (weight profiles) in force, redaction counts, and content hashes.
 */
datasetRoutes.get("/:name/snapshots/:version{[0-9]+}/manifest", async (c) => {
  const ds = await datasetOr404(c.env, c.get("project"), c.req.param("name"));
  const version = Number(c.req.param("version"));
  const snapshot = await snapshotOr404(c.env, ds.project, ds.name, version);
  const [profiles, redactions] = await Promise.all([loadScoringConfig(c.env.DB), snapshotRedactions(c.env.DB, ds)]);
  return c.json({
    dataset: ds.name,
    version,
    examples: snapshot.examples,
    bytes: snapshot.bytes,
    sha256: snapshot.sha256,
    created_at: snapshot.created_at,
    rules: snapshot.rules,
    score_policy: {
      profiles: [...profiles.profiles.values()].map((p) => ({ name: p.name, version: p.version, weights: p.weights })),
      rules: profiles.rules,
    },
    redactions,
    formats: EXPORT_FORMATS.map((f) => ({ format: f, url: `/v1/datasets/${ds.name}/snapshots/${version}.jsonl?format=${f}` })),
    content_hashes: "each example's SHA-256 is its `content_hash` (the `id` of a retrieval line)",
  });
});

datasetRoutes.get("/:name/snapshots/:version{[0-9]+}/diff", async (c) => {
  const ds = await datasetOr404(c.env, c.get("project"), c.req.param("name"));
  const version = Number(c.req.param("version"));
  await snapshotOr404(c.env, ds.project, ds.name, version);
  return c.json(await diffSnapshot(c.env.DB, ds, version));
});

/** Moves the dataset's current pointer back (or forward) to an existing snapshot. */
datasetRoutes.post(
  "/:name/rollback",
  zValidator("json", rollbackBody, validationHook),
  async (c) => {
    const ds = await datasetOr404(c.env, c.get("project"), c.req.param("name"));
    const { version } = c.req.valid("json");
    await snapshotOr404(c.env, ds.project, ds.name, version);
    const now = Date.now();
    const details = { version, previous_version: ds.currentVersion };
    await c.env.DB.batch([
      c.env.DB.prepare("UPDATE datasets SET current_version = ?3, updated_at = ?4 WHERE project = ?1 AND name = ?2").bind(ds.project, ds.name, version, now),
      auditStatement(c.env.DB, { actor: keyActor(c.get("keyId")), action: "dataset.rollback", target: ds.name, project: ds.project, details }, now),
    ]);
    return c.json({ name: ds.name, current_version: version, previous_version: ds.currentVersion });
  },
);

/** Curates an example out: later snapshots leave it out, earlier ones keep it. */
datasetRoutes.delete("/:name/examples/:hash", async (c) => {
  const ds = await datasetOr404(c.env, c.get("project"), c.req.param("name"));
  const hash = c.req.param("hash");
  const now = Date.now();
  const audit = { actor: keyActor(c.get("keyId")), action: "dataset.example.remove", target: ds.name, project: ds.project, details: { content_hash: hash } } as const;
  const [res] = await c.env.DB.batch([
    c.env.DB.prepare(
      "UPDATE dataset_examples SET removed_at = ?4 WHERE project = ?1 AND dataset = ?2 AND content_hash = ?3 AND removed_at IS NULL",
    ).bind(ds.project, ds.name, hash, now),
    // Written only when the update above removed the example.
    auditIfChangedStatement(c.env.DB, audit, now),
  ]);
  if ((res?.meta.changes ?? 0) === 0) throw new ApiError(404, "not_found", "no such example in this dataset");
  return c.json({ removed: hash });
});

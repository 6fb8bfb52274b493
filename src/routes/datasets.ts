import type { ResponseConfig } from "@asteasolutions/zod-to-openapi";
import { createRoute, z } from "@hono/zod-openapi";
import { keyActor, recordAudit } from "../adapters/audit-store";
import { removeExample, rollbackDataset } from "../adapters/dataset-curation-store";
import { datasetSizes, findDataset, listDatasets, listSnapshots, upsertDataset } from "../adapters/dataset-store";
import { loadScoringConfig } from "../adapters/scoring-store";
import { EXPORT_FORMATS } from "../domain/datasets/export-formats";
import { DATASET_NAME, datasetRulesSchema } from "../domain/datasets/rules";
import { profileRuleSchema, weightsSchema } from "../domain/scoring/profiles";
import type { Env } from "../env";
import { named } from "../openapi/names";
import { errorResponses, json, jsonBody, requires, routeApp } from "../openapi/route-kit";
import { isoTime } from "../openapi/shared";
import { createSnapshot, diffSnapshot, exportSnapshot, snapshotRedactions } from "../pipeline/snapshots";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError, problemError } from "./errors";
import { isProblem } from "../domain/problem";

const nameParam = z.object({ name: z.string().regex(DATASET_NAME, "must be 1-63 of a-z, 0-9, '-' or '_'").describe("the dataset's name") });

const versionParam = nameParam.extend({
  version: z
    .string()
    .regex(/^[0-9]+$/, "must be a snapshot version")
    .describe("a snapshot version"),
});

const fileParam = nameParam.extend({
  file: z
    .string()
    .regex(/^([0-9]+|current)\.jsonl$/, "must be {version}.jsonl or current.jsonl")
    .describe("`3.jsonl`, or `current.jsonl` for the version the current pointer names"),
});

const exampleParam = nameParam.extend({ hash: z.string().describe("the example's content_hash") });

const datasetBody = z.strictObject({ rules: datasetRulesSchema.default(datasetRulesSchema.parse({})) });

const rollbackBody = z.strictObject({ version: z.number().int().positive() });

const storedRules = datasetRulesSchema.describe("the rules, every default filled in");

const snapshotSchema = named(
  z.strictObject({
    version: z.number().int(),
    examples: z.number().int(),
    bytes: z.number().int().describe("of the JSONL in the openai-chat format"),
    sha256: z.string().describe("SHA-256 of the JSONL in the openai-chat format"),
  }),
  "Snapshot",
);

const datasetSchema = named(
  z.strictObject({
    name: z.string(),
    rules: storedRules,
    current_version: z.number().int().nullable().describe("null until the first snapshot"),
    examples: z.number().int().describe("current examples (not curated out)"),
    bytes: z.number().int(),
  }),
  "Dataset",
);

const manifestSchema = named(
  snapshotSchema.extend({
    dataset: z.string(),
    created_at: isoTime,
    rules: storedRules,
    score_policy: z.strictObject({
      profiles: z.array(z.strictObject({ name: z.string(), version: z.number().int(), weights: weightsSchema })),
      rules: z.array(profileRuleSchema),
    }),
    redactions: z.record(z.string(), z.number()).describe("secrets scrubbed from this project's stored events and feedback so far, by kind"),
    formats: z.array(z.strictObject({ format: z.enum(EXPORT_FORMATS), url: z.string() })),
    content_hashes: z.string(),
  }),
  "SnapshotManifest",
);

const BAD_NAME = "a name that is not 1-63 of a-z, 0-9, '-' or '_' (`validation_failed`)";
const BAD_BODY = {
  413: "the body is over MAX_CONTROL_BODY_BYTES (checked before parsing)",
  415: "a body that is not application/json",
};

const listDatasetsRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["datasets"],
  summary: "List datasets",
  ...requires("project"),
  responses: {
    200: json("every dataset of the project with the size of its current examples", z.strictObject({ datasets: z.array(datasetSchema) })),
    ...errorResponses("project"),
  },
});

const putDataset = createRoute({
  method: "put",
  path: "/{name}",
  tags: ["datasets"],
  summary: "Create a dataset or change its rules",
  description: "New examples follow the new rules; snapshots keep theirs. Every rule has a default.",
  ...requires("project"),
  request: {
    params: nameParam,
    body: jsonBody(datasetBody, {
      defaults: { summary: "all defaults", value: {} },
      strict: {
        summary: "only successful, confident interactions from two sources",
        value: { rules: { min_value: 0.8, min_confidence: 0.6, outcomes: ["success"], sources: ["my-agent", "ci-bot"], near_duplicate_threshold: 0.9 } },
      },
    }),
  },
  responses: {
    200: json("the dataset's rules as stored", z.strictObject({ name: z.string(), rules: storedRules })),
    ...errorResponses("project", { 400: "a bad name, or rules that fail their schema (`validation_failed`, naming the field)", ...BAD_BODY }),
  },
});

const createSnapshotRoute = createRoute({
  method: "post",
  path: "/{name}/snapshots",
  tags: ["datasets"],
  summary: "Freeze the current examples as the next version",
  ...requires("project"),
  request: { params: nameParam },
  responses: {
    201: json("the new immutable snapshot; the current pointer moves to it", snapshotSchema),
    ...errorResponses("project", {
      400: BAD_NAME,
      404: "no such dataset",
      409: "another snapshot of this dataset took the same version at the same time (`snapshot_conflict`): retry",
    }),
  },
});

const listSnapshotsRoute = createRoute({
  method: "get",
  path: "/{name}/snapshots",
  tags: ["datasets"],
  summary: "List snapshots",
  ...requires("project"),
  request: { params: nameParam },
  responses: {
    200: json(
      "every snapshot, oldest first",
      z.strictObject({
        current_version: z.number().int().nullable(),
        snapshots: z.array(snapshotSchema.extend({ rules: storedRules, created_at: isoTime })),
      }),
    ),
    ...errorResponses("project", { 400: BAD_NAME, 404: "no such dataset" }),
  },
});

const header = (description: string) => ({ description, schema: { type: "string" as const } });

/**
 * The 200 of an export: lines streamed from D1 a page at a time, never one
 * value `c.json` could check. Typed as a plain ResponseConfig (content
 * optional), so the handler may answer with the stream's own Response.
 */
const jsonlExport: ResponseConfig = {
  description: "one example a line",
  headers: {
    "Content-Disposition": header('`attachment; filename="{name}-v{version}-{format}.jsonl"`'),
    "X-Gleaner-Format": header("the format of the lines"),
    "X-Gleaner-Examples": header("how many lines"),
    "X-Gleaner-Sha256": header("SHA-256 of the snapshot (openai-chat lines)"),
    ETag: header("the snapshot's SHA-256, quoted"),
  },
  content: { "application/x-ndjson": { schema: { type: "string", description: "one JSON value a line, in the format asked for" } } },
};

const exportSnapshotRoute = createRoute({
  method: "get",
  path: "/{name}/snapshots/{file}",
  tags: ["datasets"],
  summary: "Download a snapshot as JSONL",
  description: "`{version}.jsonl`, or `current.jsonl` for the version the current pointer names. Streamed a page at a time.",
  ...requires("project"),
  request: {
    params: fileParam,
    query: z.object({
      format: z.enum(EXPORT_FORMATS).default("openai-chat").describe("openai-chat (fine-tuning), sharegpt, or retrieval (a RAG corpus)"),
    }),
  },
  responses: {
    200: jsonlExport,
    ...errorResponses("project", {
      400: "a bad name, a file that is not {version}.jsonl or current.jsonl, or an unknown format (`validation_failed`)",
      404: "no such dataset or version, or no snapshot yet (current.jsonl)",
    }),
  },
});

const manifestRoute = createRoute({
  method: "get",
  path: "/{name}/snapshots/{version}/manifest",
  tags: ["datasets"],
  summary: "What a snapshot is, for whoever trains on it",
  ...requires("project"),
  request: { params: versionParam },
  responses: {
    200: json("its rules, the score policy in force, redaction counts and content hashes", manifestSchema),
    ...errorResponses("project", { 400: "a bad name or version (`validation_failed`)", 404: "no such dataset or version" }),
  },
});

const diffRoute = createRoute({
  method: "get",
  path: "/{name}/snapshots/{version}/diff",
  tags: ["datasets"],
  summary: "Examples added and removed against the previous version",
  ...requires("project"),
  request: { params: versionParam },
  responses: {
    200: json(
      "counts against version − 1",
      z.strictObject({ version: z.number().int(), previous: z.number().int().nullable(), added: z.number().int(), removed: z.number().int() }),
    ),
    ...errorResponses("project", { 400: "a bad name or version (`validation_failed`)", 404: "no such dataset or version" }),
  },
});

const rollbackRoute = createRoute({
  method: "post",
  path: "/{name}/rollback",
  tags: ["datasets"],
  summary: "Move the current pointer to an existing snapshot",
  ...requires("project"),
  request: {
    params: nameParam,
    body: jsonBody(rollbackBody, { back: { summary: "back to version 2", value: { version: 2 } } }),
  },
  responses: {
    200: json("the pointer moved", z.strictObject({ name: z.string(), current_version: z.number().int(), previous_version: z.number().int().nullable() })),
    ...errorResponses("project", { 400: "a bad name or version (`validation_failed`, naming the field)", 404: "no such dataset or version", ...BAD_BODY }),
  },
});

const removeExampleRoute = createRoute({
  method: "delete",
  path: "/{name}/examples/{hash}",
  tags: ["datasets"],
  summary: "Curate an example out",
  description: "Later snapshots leave it out; earlier ones keep it.",
  ...requires("project"),
  request: { params: exampleParam },
  responses: {
    200: json("removed", z.strictObject({ removed: z.string() })),
    ...errorResponses("project", { 400: BAD_NAME, 404: "no such dataset, or no such example in it" }),
  },
});

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

export const datasetRoutes = routeApp<ProjectVars>();

datasetRoutes.use("*", requireProjectKey);

datasetRoutes.openapi(listDatasetsRoute, async (c) => {
  const project = c.get("project");
  const [sizes, list] = await Promise.all([datasetSizes(c.env.DB, project), listDatasets(c.env.DB, project)]);
  return c.json(
    {
      datasets: list.map((d) => ({
        name: d.name,
        rules: d.rules,
        current_version: d.currentVersion,
        examples: sizes.get(d.name)?.examples ?? 0,
        bytes: sizes.get(d.name)?.bytes ?? 0,
      })),
    },
    200,
  );
});

/** Creates a dataset or changes its rules (new examples follow the new rules; snapshots keep theirs). */
datasetRoutes.openapi(putDataset, async (c) => {
  const { name } = c.req.valid("param");
  const { rules } = c.req.valid("json");
  const project = c.get("project");
  const now = Date.now();
  const existed = await findDataset(c.env.DB, project, name);
  await upsertDataset(c.env.DB, project, name, rules, now);
  const action = existed ? "dataset.update" : "dataset.create";
  await recordAudit(c.env.DB, { actor: keyActor(c.get("keyId")), action, target: name, project, details: { rules } }, now);
  return c.json({ name, rules }, 200);
});

datasetRoutes.openapi(createSnapshotRoute, async (c) => {
  const ds = await datasetOr404(c.env, c.get("project"), c.req.valid("param").name);
  const now = Date.now();
  const snapshot = await createSnapshot(c.env.DB, ds, now);
  if (isProblem(snapshot)) throw problemError(snapshot, { "Retry-After": "1" });
  await recordAudit(
    c.env.DB,
    { actor: keyActor(c.get("keyId")), action: "dataset.snapshot", target: ds.name, project: ds.project, details: { ...snapshot } },
    now,
  );
  return c.json(snapshot, 201);
});

datasetRoutes.openapi(listSnapshotsRoute, async (c) => {
  const ds = await datasetOr404(c.env, c.get("project"), c.req.valid("param").name);
  return c.json({ current_version: ds.currentVersion, snapshots: await listSnapshots(c.env.DB, ds.project, ds.name) }, 200);
});

/** Streams a snapshot as JSONL (`{version}.jsonl`; `current.jsonl` follows the current pointer). */
datasetRoutes.openapi(exportSnapshotRoute, async (c) => {
  const { name, file } = c.req.valid("param");
  const { format } = c.req.valid("query");
  const ds = await datasetOr404(c.env, c.get("project"), name);
  const stem = file.replace(/\.jsonl$/, "");
  const version = stem === "current" ? ds.currentVersion : Number(stem);
  if (version === null) throw new ApiError(404, "not_found", "this dataset has no snapshot yet");
  const snapshot = await snapshotOr404(c.env, ds.project, ds.name, version);
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
datasetRoutes.openapi(manifestRoute, async (c) => {
  const params = c.req.valid("param");
  const ds = await datasetOr404(c.env, c.get("project"), params.name);
  const version = Number(params.version);
  const snapshot = await snapshotOr404(c.env, ds.project, ds.name, version);
  const [profiles, redactions] = await Promise.all([loadScoringConfig(c.env.DB), snapshotRedactions(c.env.DB, ds)]);
  return c.json(
    {
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
    },
    200,
  );
});

datasetRoutes.openapi(diffRoute, async (c) => {
  const params = c.req.valid("param");
  const ds = await datasetOr404(c.env, c.get("project"), params.name);
  const version = Number(params.version);
  await snapshotOr404(c.env, ds.project, ds.name, version);
  return c.json(await diffSnapshot(c.env.DB, ds, version), 200);
});

/** Moves the dataset's current pointer back (or forward) to an existing snapshot. */
datasetRoutes.openapi(rollbackRoute, async (c) => {
  const ds = await datasetOr404(c.env, c.get("project"), c.req.valid("param").name);
  const { version } = c.req.valid("json");
  await snapshotOr404(c.env, ds.project, ds.name, version);
  await rollbackDataset(c.env.DB, ds, version, keyActor(c.get("keyId")), Date.now());
  return c.json({ name: ds.name, current_version: version, previous_version: ds.currentVersion }, 200);
});

/** Curates an example out: later snapshots leave it out, earlier ones keep it. */
datasetRoutes.openapi(removeExampleRoute, async (c) => {
  const { name, hash } = c.req.valid("param");
  const ds = await datasetOr404(c.env, c.get("project"), name);
  if (!(await removeExample(c.env.DB, ds, hash, keyActor(c.get("keyId")), Date.now()))) {
    throw new ApiError(404, "not_found", "no such example in this dataset");
  }
  return c.json({ removed: hash }, 200);
});

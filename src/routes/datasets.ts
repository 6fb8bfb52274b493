import type { ResponseConfig } from "@asteasolutions/zod-to-openapi";
import { createRoute, z } from "@hono/zod-openapi";
import { keyActor, recordAudit } from "../adapters/audit-store";
import { removeExample, restoreExample, rollbackDataset } from "../adapters/dataset-curation-store";
import {
  type DatasetRow,
  datasetSizes,
  ensureDefaultDataset,
  findDataset,
  listDatasets,
  listExamples,
  listSnapshots,
  type SnapshotRow,
  upsertDataset,
} from "../adapters/dataset-store";
import { loadScoringConfig } from "../adapters/scoring-store";
import { EXPORT_FORMATS, type ExportFormat, kindOf } from "../domain/datasets/export-formats";
import { DATASET_NAME, datasetRulesSchema } from "../domain/datasets/rules";
import { profileRuleSchema, weightsSchema } from "../domain/scoring/profiles";
import type { Env } from "../env";
import { named } from "../openapi/names";
import { errorResponses, json, jsonBody, requires, routeApp } from "../openapi/route-kit";
import { isoTime } from "../openapi/shared";
import { createSnapshot, diffSnapshot, exportSnapshot, snapshotCard, snapshotRedactions } from "../pipeline/snapshots";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError, problemError } from "./errors";
import { isProblem } from "../domain/problem";

const nameParam = z.object({ name: z.string().regex(DATASET_NAME, "must be 1-63 of a-z, 0-9, '-' or '_'").describe("the dataset's name") });

const versionParam = nameParam.extend({
  version: z
    .string()
    .regex(/^([0-9]+|current)$/, "must be a snapshot version or `current`")
    .describe("a snapshot version, or `current` for the version the current pointer names"),
});

const fileParam = nameParam.extend({
  file: z
    .string()
    .regex(/^([0-9]+|current)\.jsonl$/, "must be {version}.jsonl or current.jsonl")
    .describe("`3.jsonl`, or `current.jsonl` for the version the current pointer names"),
});

const exampleParam = nameParam.extend({ hash: z.string().max(128).describe("the example's content_hash") });

const examplesQuery = z.object({
  split: z.enum(["train", "validation"]).optional(),
  kind: z.enum(["chat", "pair"]).optional().describe("`chat` (a conversation) or `pair` (a preference pair)"),
  source: z.string().min(1).max(200).optional(),
  model: z.string().min(1).max(200).optional(),
  min_value: z.coerce.number().min(0).max(1).optional(),
  include_removed: z.enum(["true", "false"]).optional().describe("also the curated-out examples"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[0-9]{1,16}$/, "must be a next_cursor this route gave")
    .optional(),
});

const exampleSchema = named(
  z.strictObject({
    content_hash: z.string(),
    kind: z.enum(["chat", "pair"]),
    split: z.enum(["train", "validation"]),
    source_event_ids: z.array(z.string()),
    source: z.string().nullable(),
    model: z.string().nullable(),
    value: z.number().nullable(),
    first_user: z.string().nullable(),
    added_at: isoTime,
    removed_at: isoTime.nullable(),
    example: z
      .record(z.string(), z.unknown())
      .describe("the stored line: `{messages, tools?}` for chat, `{input, preferred_output, non_preferred_output}` for a pair"),
  }),
  "DatasetExample",
);

const diffEntrySchema = z.strictObject({
  content_hash: z.string(),
  kind: z.enum(["chat", "pair"]),
  split: z.enum(["train", "validation"]),
  source_event_ids: z.array(z.string()),
  first_user: z.string().nullable(),
});

const datasetBody = z.strictObject({ rules: datasetRulesSchema.default(datasetRulesSchema.parse({})) });

const rollbackBody = z.strictObject({ version: z.number().int().positive() });

const storedRules = datasetRulesSchema.describe("the rules, every default filled in");

const countsSchema = z
  .strictObject({
    train: z.number().int(),
    validation: z.number().int(),
    pairs_train: z.number().int(),
    pairs_validation: z.number().int(),
    excluded_redacted: z.number().int().describe("candidates left out so far because their text was hashed or redacted"),
  })
  .nullable()
  .describe("per split; null for snapshots made before splits existed");

const snapshotSchema = named(
  z.strictObject({
    version: z.number().int(),
    examples: z.number().int().describe("stored lines: conversations and preference pairs"),
    bytes: z.number().int().describe("of the stored lines (conversations as openai-chat, pairs as openai-preference)"),
    sha256: z.string().describe("SHA-256 of the stored lines, one a line"),
    counts: countsSchema,
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
    formats: z.array(z.strictObject({ format: z.enum(EXPORT_FORMATS), split: z.enum(["train", "validation"]), url: z.string() })),
    card: z.string().describe("the Hugging Face dataset card's path"),
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
      format: z
        .enum(EXPORT_FORMATS)
        .default("openai-chat")
        .describe(
          "openai-chat (chat fine-tuning with tools), openai-preference (OpenAI's preference fine-tuning), trl-preference (TRL prompt/chosen/rejected), " +
            "sharegpt (LLaMA-Factory, with function_call/observation turns), or retrieval (a RAG corpus)",
        ),
      split: z.enum(["train", "validation"]).optional().describe("one split only (by example hash; an example keeps its split across snapshots)"),
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
      "the examples added and removed against version − 1 (at most 1000 listed each side; the counts are whole)",
      z.strictObject({
        version: z.number().int(),
        previous: z.number().int().nullable(),
        added: z.array(diffEntrySchema),
        removed: z.array(diffEntrySchema),
        added_count: z.number().int(),
        removed_count: z.number().int(),
      }),
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

const listExamplesRoute = createRoute({
  method: "get",
  path: "/{name}/examples",
  tags: ["datasets"],
  summary: "Browse a dataset's examples",
  description: "In the order they were added, cursor-paginated; curated-out ones only with `include_removed=true`.",
  ...requires("project"),
  request: { params: nameParam, query: examplesQuery },
  responses: {
    200: json("one page", z.strictObject({ examples: z.array(exampleSchema), next_cursor: z.string().nullable() })),
    ...errorResponses("project", { 400: "a bad name or filter (`validation_failed`, naming the field)", 404: "no such dataset" }),
  },
});

const restoreExampleRoute = createRoute({
  method: "post",
  path: "/{name}/examples/{hash}/restore",
  tags: ["datasets"],
  summary: "Put a curated-out example back",
  description: "Later snapshots hold it again.",
  ...requires("project"),
  request: { params: exampleParam },
  responses: {
    200: json("restored", z.strictObject({ restored: z.string() })),
    ...errorResponses("project", { 400: BAD_NAME, 404: "no such dataset, or no curated-out example with that hash" }),
  },
});

const cardRoute = createRoute({
  method: "get",
  path: "/{name}/snapshots/{version}/card",
  tags: ["datasets"],
  summary: "A snapshot's Hugging Face dataset card",
  description:
    "README.md with YAML front matter: a config per format, its train and validation files, the license, counts, rules, score policy and redaction counts.",
  ...requires("project"),
  request: { params: versionParam },
  responses: {
    200: { description: "the card", content: { "text/markdown": { schema: z.string() } } },
    ...errorResponses("project", { 400: "a bad name or version (`validation_failed`)", 404: "no such dataset or version" }),
  },
});

async function datasetOr404(env: Env, project: string, name: string) {
  // Every project has its `default` dataset from the start: no job has to run first.
  if (name === "default") await ensureDefaultDataset(env.DB, project, Date.now());
  const ds = await findDataset(env.DB, project, name);
  if (!ds) throw new ApiError(404, "not_found", `no dataset '${name}' in this project`);
  return ds;
}

/** A snapshot by number or `current`. */
async function resolveSnapshot(env: Env, ds: DatasetRow, version: string) {
  const n = version === "current" ? ds.currentVersion : Number(version);
  if (n === null) throw new ApiError(404, "not_found", "this dataset has no snapshot yet");
  return snapshotOr404(env, ds.project, ds.name, n);
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
  await ensureDefaultDataset(c.env.DB, project, Date.now());
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
  const { format, split } = c.req.valid("query");
  const ds = await datasetOr404(c.env, c.get("project"), name);
  const stem = file.replace(/\.jsonl$/, "");
  const version = stem === "current" ? ds.currentVersion : Number(stem);
  if (version === null) throw new ApiError(404, "not_found", "this dataset has no snapshot yet");
  const snapshot = await snapshotOr404(c.env, ds.project, ds.name, version);
  return new Response(exportSnapshot(c.env.DB, ds, version, format, split), {
    headers: {
      "Content-Type": "application/x-ndjson",
      "Content-Disposition": `attachment; filename="${ds.name}-v${version}-${format}${split ? `-${split}` : ""}.jsonl"`,
      "X-Gleaner-Format": format,
      "X-Gleaner-Examples": String(exportedLines(snapshot, format, split)),
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
  const snapshot = await resolveSnapshot(c.env, ds, params.version);
  const { version } = snapshot;
  const [profiles, redactions] = await Promise.all([loadScoringConfig(c.env.DB), snapshotRedactions(c.env.DB, ds)]);
  return c.json(
    {
      dataset: ds.name,
      version,
      examples: snapshot.examples,
      bytes: snapshot.bytes,
      sha256: snapshot.sha256,
      counts: snapshot.counts,
      created_at: snapshot.created_at,
      rules: snapshot.rules,
      score_policy: {
        profiles: [...profiles.profiles.values()].map((p) => ({ name: p.name, version: p.version, weights: p.weights })),
        rules: profiles.rules,
      },
      redactions,
      formats: EXPORT_FORMATS.flatMap((f) =>
        (["train", "validation"] as const).map((split) => ({
          format: f,
          split,
          url: `/v1/datasets/${ds.name}/snapshots/${version}.jsonl?format=${f}&split=${split}`,
        })),
      ),
      card: `/v1/datasets/${ds.name}/snapshots/${version}/card`,
      content_hashes: "each example's SHA-256 is its `content_hash` (the `id` of a retrieval line)",
    },
    200,
  );
});

datasetRoutes.openapi(diffRoute, async (c) => {
  const params = c.req.valid("param");
  const ds = await datasetOr404(c.env, c.get("project"), params.name);
  const { version } = await resolveSnapshot(c.env, ds, params.version);
  return c.json(await diffSnapshot(c.env.DB, ds, version), 200);
});

datasetRoutes.openapi(cardRoute, async (c) => {
  const params = c.req.valid("param");
  const ds = await datasetOr404(c.env, c.get("project"), params.name);
  const snapshot = await resolveSnapshot(c.env, ds, params.version);
  return c.body(await snapshotCard(c.env.DB, ds, snapshot), 200, { "Content-Type": "text/markdown; charset=utf-8" });
});

datasetRoutes.openapi(listExamplesRoute, async (c) => {
  const ds = await datasetOr404(c.env, c.get("project"), c.req.valid("param").name);
  const q = c.req.valid("query");
  const rows = await listExamples(
    c.env.DB,
    ds,
    { split: q.split, kind: q.kind, source: q.source, model: q.model, minValue: q.min_value, includeRemoved: q.include_removed === "true" },
    q.cursor ? Number(q.cursor) : 0,
    q.limit + 1,
  );
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return c.json(
    {
      examples: page.map((r) => ({
        content_hash: r.content_hash,
        kind: r.kind,
        split: r.split,
        source_event_ids: r.source_event_ids,
        source: r.source,
        model: r.model,
        value: r.value,
        first_user: r.first_user,
        added_at: new Date(r.added_at).toISOString(),
        removed_at: r.removed_at === null ? null : new Date(r.removed_at).toISOString(),
        example: JSON.parse(r.line) as Record<string, unknown>,
      })),
      next_cursor: rows.length > q.limit && last ? String(last.seq) : null,
    },
    200,
  );
});

datasetRoutes.openapi(restoreExampleRoute, async (c) => {
  const { name, hash } = c.req.valid("param");
  const ds = await datasetOr404(c.env, c.get("project"), name);
  if (!(await restoreExample(c.env.DB, ds, hash, keyActor(c.get("keyId")), Date.now()))) {
    throw new ApiError(404, "not_found", "no curated-out example with that hash in this dataset");
  }
  return c.json({ restored: hash }, 200);
});

/** How many lines an export of a snapshot in a format (and split) holds, from its counts. */
function exportedLines(snapshot: SnapshotRow, format: ExportFormat, split: "train" | "validation" | undefined): number {
  const counts = snapshot.counts;
  if (!counts) return snapshot.examples;
  const pairs = kindOf(format) === "pair";
  const train = pairs ? counts.pairs_train : counts.train;
  const validation = pairs ? counts.pairs_validation : counts.validation;
  return split === "train" ? train : split === "validation" ? validation : train + validation;
}

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

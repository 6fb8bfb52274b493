import { z } from "zod";
import { EXPORT_FORMATS } from "../../domain/datasets/export-formats";
import { datasetRulesSchema } from "../../domain/datasets/rules";
import { profileRuleSchema, weightsSchema } from "../../domain/scoring/profiles";
import { datasetBody, nameParam, rollbackBody } from "../../routes/datasets";
import type { Operation } from "../operation";
import { isoTime } from "../shared";

const snapshotSchema = z.strictObject({ version: z.number().int(), examples: z.number().int(), bytes: z.number().int(), sha256: z.string() });
const storedRules = datasetRulesSchema.describe("the rules, every default filled in");
const versionParams = nameParam.extend({
  version: z
    .string()
    .regex(/^[0-9]+$/)
    .describe("a snapshot version"),
});

export const datasetOperations: Operation[] = [
  {
    method: "get",
    path: "/v1/datasets",
    tag: "datasets",
    summary: "List datasets",
    auth: "project",
    responses: {
      200: {
        description: "every dataset of the project with the size of its current examples",
        schema: z.strictObject({
          datasets: z.array(
            z.strictObject({
              name: z.string(),
              rules: storedRules,
              current_version: z.number().int().nullable(),
              examples: z.number().int(),
              bytes: z.number().int(),
            }),
          ),
        }),
      },
    },
  },
  {
    method: "put",
    path: "/v1/datasets/{name}",
    tag: "datasets",
    summary: "Create a dataset or change its rules",
    description: "New examples follow the new rules; snapshots keep theirs. Every rule has a default.",
    auth: "project",
    params: nameParam,
    body: [
      {
        schema: datasetBody,
        examples: {
          defaults: { summary: "all defaults", value: {} },
          strict: {
            summary: "only successful, confident interactions from two sources",
            value: { rules: { min_value: 0.8, min_confidence: 0.6, outcomes: ["success"], sources: ["my-agent", "ci-bot"], near_duplicate_threshold: 0.9 } },
          },
        },
      },
    ],
    responses: { 200: { description: "the dataset's rules as stored", schema: z.strictObject({ name: z.string(), rules: storedRules }) } },
    errors: { 400: "validation_failed" },
  },
  {
    method: "post",
    path: "/v1/datasets/{name}/snapshots",
    tag: "datasets",
    summary: "Freeze the current examples as the next version",
    auth: "project",
    params: nameParam,
    responses: { 201: { description: "the new immutable snapshot; the current pointer moves to it", schema: snapshotSchema } },
    errors: { 400: "validation_failed", 404: "no such dataset" },
  },
  {
    method: "get",
    path: "/v1/datasets/{name}/snapshots",
    tag: "datasets",
    summary: "List snapshots",
    auth: "project",
    params: nameParam,
    responses: {
      200: {
        description: "every snapshot, oldest first",
        schema: z.strictObject({
          current_version: z.number().int().nullable(),
          snapshots: z.array(snapshotSchema.extend({ rules: storedRules, created_at: isoTime })),
        }),
      },
    },
    errors: { 404: "no such dataset" },
  },
  {
    method: "get",
    path: "/v1/datasets/{name}/snapshots/{file}",
    tag: "datasets",
    summary: "Download a snapshot as JSONL",
    description: "`{version}.jsonl`, or `current.jsonl` for the version the current pointer names. Streamed a page at a time.",
    auth: "project",
    params: nameParam.extend({
      file: z
        .string()
        .regex(/^([0-9]+|current)\.jsonl$/)
        .describe("`3.jsonl` or `current.jsonl`"),
    }),
    query: z.object({ format: z.enum(EXPORT_FORMATS).default("openai-chat").describe("openai-chat (fine-tuning), sharegpt, or retrieval (a RAG corpus)") }),
    responses: {
      200: {
        description: "one example a line",
        mediaType: "application/x-ndjson",
        headers: {
          "X-Gleaner-Format": "the format of the lines",
          "X-Gleaner-Examples": "how many lines",
          "X-Gleaner-Sha256": "SHA-256 of the snapshot (openai-chat lines)",
          ETag: "the snapshot's SHA-256, quoted",
        },
      },
    },
    errors: { 400: "an unknown format", 404: "no such dataset, version or current snapshot" },
  },
  {
    method: "get",
    path: "/v1/datasets/{name}/snapshots/{version}/manifest",
    tag: "datasets",
    summary: "What a snapshot is, for whoever trains on it",
    auth: "project",
    params: versionParams,
    responses: {
      200: {
        description: "its rules, the score policy in force, redaction counts and content hashes",
        schema: snapshotSchema.extend({
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
      },
    },
    errors: { 404: "no such dataset or version" },
  },
  {
    method: "get",
    path: "/v1/datasets/{name}/snapshots/{version}/diff",
    tag: "datasets",
    summary: "Examples added and removed against the previous version",
    auth: "project",
    params: versionParams,
    responses: {
      200: {
        description: "counts against version − 1",
        schema: z.strictObject({ version: z.number().int(), previous: z.number().int().nullable(), added: z.number().int(), removed: z.number().int() }),
      },
    },
    errors: { 404: "no such dataset or version" },
  },
  {
    method: "post",
    path: "/v1/datasets/{name}/rollback",
    tag: "datasets",
    summary: "Move the current pointer to an existing snapshot",
    auth: "project",
    params: nameParam,
    body: [{ schema: rollbackBody, examples: { back: { summary: "back to version 2", value: { version: 2 } } } }],
    responses: {
      200: {
        description: "the pointer moved",
        schema: z.strictObject({ name: z.string(), current_version: z.number().int(), previous_version: z.number().int().nullable() }),
      },
    },
    errors: { 400: "validation_failed", 404: "no such dataset or version" },
  },
  {
    method: "delete",
    path: "/v1/datasets/{name}/examples/{hash}",
    tag: "datasets",
    summary: "Curate an example out",
    description: "Later snapshots leave it out; earlier ones keep it.",
    auth: "project",
    params: nameParam.extend({ hash: z.string().describe("the example's content_hash") }),
    responses: { 200: { description: "removed", schema: z.strictObject({ removed: z.string() }) } },
    errors: { 404: "no such dataset, or no such example in it" },
  },
];

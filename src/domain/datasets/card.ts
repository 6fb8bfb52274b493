import { EXPORT_FORMATS, type ExportFormat, kindOf } from "./export-formats";
import type { DatasetRules } from "./rules";
import { SPLITS, type Split } from "./split";

export interface DatasetCardInput {
  name: string;
  project: string;
  version: number;
  sha256: string;
  created_at: string;
  rules: DatasetRules;
  counts: { train: number; validation: number; pairs_train: number; pairs_validation: number };
  score_policy: { profile: string; version: number }[];
  /** Redactions of this project only, by kind. */
  redactions: Record<string, number>;
  /** Examples left out because their text was hashed or redacted (`redacted: "exclude"`). */
  excluded_redacted: number;
  /** The snapshot's path without `.jsonl`, e.g. `/v1/datasets/default/snapshots/3`. */
  base_url_path: string;
}

/** A YAML scalar: JSON's double-quoted string is valid YAML. */
const q = (s: string) => JSON.stringify(s);

function rowsOf(counts: DatasetCardInput["counts"], format: ExportFormat, split: Split): number {
  if (kindOf(format) === "chat") return split === "train" ? counts.train : counts.validation;
  return split === "train" ? counts.pairs_train : counts.pairs_validation;
}

/**
 * A Hugging Face dataset card (`README.md`) for one snapshot: YAML front
 * matter (`license` from the rules, `pretty_name`, `tags`, and `configs:` one
 * per export format that has rows, its `data_files` one per split that has
 * rows, pointing at `<base>.jsonl?format=…&split=…`), then the counts, the
 * rules, the score-policy versions, this project's redaction counts and the
 * snapshot's sha256. The YAML is written by hand with JSON-quoted strings.
 */
export function datasetCard(input: DatasetCardInput): string {
  const { counts } = input;
  const yaml: string[] = ["---", `license: ${q(input.rules.license)}`, `pretty_name: ${q(`${input.project}/${input.name} v${input.version}`)}`, "tags:"];
  for (const tag of ["gleaner", "fine-tuning", "conversational", "jsonl"]) yaml.push(`  - ${q(tag)}`);
  const configs = EXPORT_FORMATS.filter((f) => SPLITS.some((s) => rowsOf(counts, f, s) > 0));
  if (configs.length > 0) {
    yaml.push("configs:");
    configs.forEach((format, i) => {
      yaml.push(`  - config_name: ${q(format)}`);
      if (i === 0) yaml.push("    default: true");
      yaml.push("    data_files:");
      for (const split of SPLITS) {
        if (rowsOf(counts, format, split) === 0) continue;
        yaml.push(`      - split: ${q(split)}`);
        yaml.push(`        path: ${q(`${input.base_url_path}.jsonl?format=${format}&split=${split}`)}`);
      }
    });
  }
  yaml.push("---");
  const md: string[] = [
    "",
    `# Dataset \`${input.name}\`, snapshot ${input.version}`,
    "",
    `Curated by Gleaner from the agent traffic of project \`${input.project}\`, created ${input.created_at}.`,
    "",
    "## Counts",
    "",
    "| | train | validation |",
    "|---|---:|---:|",
    `| chat examples | ${counts.train} | ${counts.validation} |`,
    `| preference pairs | ${counts.pairs_train} | ${counts.pairs_validation} |`,
    "",
    "The split is deterministic by example hash (`validation_ratio` below): an example keeps its split in later snapshots.",
    "",
    "## Formats",
    "",
    ...EXPORT_FORMATS.map(
      (f) => `- \`${f}\` (${kindOf(f) === "chat" ? "chat examples" : "preference pairs"}): \`${input.base_url_path}.jsonl?format=${f}&split=train\``,
    ),
    "",
    "## Rules",
    "",
    "```json",
    JSON.stringify(input.rules, null, 2),
    "```",
    "",
    "## Score policy",
    "",
    ...(input.score_policy.length > 0 ? input.score_policy.map((p) => `- \`${p.profile}\` version ${p.version}`) : ["- (none recorded)"]),
    "",
    "## Redactions",
    "",
    `Counts of this project's text that was redacted before storage, by kind. Examples left out because their text was hashed or redacted: ${input.excluded_redacted} (rule \`redacted: ${input.rules.redacted}\`).`,
    "",
  ];
  const kinds = Object.keys(input.redactions).sort();
  if (kinds.length > 0) {
    md.push("| kind | count |", "|---|---:|");
    for (const k of kinds) md.push(`| \`${k.replaceAll("|", "\\|").replaceAll("`", "'")}\` | ${input.redactions[k]} |`);
  } else {
    md.push("None.");
  }
  md.push("", "## Integrity", "", `sha256 of the snapshot: \`${input.sha256}\``, "");
  return `${yaml.join("\n")}\n${md.join("\n")}`;
}

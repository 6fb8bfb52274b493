import type { ExtractedPattern } from "./pattern";

/** Facts an extractor may use; text fields hold real content only (scrubbed text is removed before). */
export interface InteractionFacts {
  type: string;
  source: string;
  query?: string;
  response?: string;
  outcome?: string;
  tags?: readonly string[];
  model?: string;
  toolCalls?: number;
  /** Names of the tools the assistant called, in order of first call, distinct. */
  tools?: readonly string[];
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1).trimEnd()}…`);

const firstSentence = (s: string) => (s.split(/(?<=[.!?])\s+|\n/).find((x) => x.trim() !== "") ?? s).trim();

/** A list item or command line of a response: `1. x`, `- x`, `* x`, `• x`, `$ cmd`. */
const STEP_LINE = /^(\d+[.)]|[-*•]|\$ )\s*\S/;

/** Lines that look like steps: numbered or bulleted list items, or shell commands (as `run \`cmd\``). */
function listedSteps(response: string): string[] {
  return response
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => STEP_LINE.test(l))
    .map((l) => (l.startsWith("$ ") ? `run \`${l.slice(2).trim()}\`` : l.replace(/^(\d+[.)]|[-*•])\s*/, "")))
    .map((l) => clip(l.replace(/[.;:]+$/, ""), 300))
    .slice(0, 10);
}

const SKILL_WORDS: Record<string, RegExp> = {
  shell: /\b(bash|shell|sh|zsh|systemctl|journalctl)\b/i,
  git: /\bgit\b/i,
  python: /\b(python|pip|pytest)\b/i,
  typescript: /\b(typescript|tsc|node|npm)\b/i,
  nix: /\bnix(os)?\b/i,
  sql: /\b(sql|sqlite|postgres|select)\b/i,
  docker: /\b(docker|container|podman)\b/i,
  logging: /\b(log|logs|logrotate|journal)\b/i,
  networking: /\b(http|dns|tcp|port|curl)\b/i,
};

const OUTCOME_NOTE: Record<string, string> = {
  success: "it worked",
  partial: "it partly worked",
  failure: "it did not work",
};

const capitalise = (s: string) => (s ? `${s[0]?.toUpperCase() ?? ""}${s.slice(1)}` : s);
const endSentence = (s: string) => (/[.!?…]$/.test(s) ? s : `${s}.`);

/**
 * The lesson says what was done: the steps the answer lists (up to four,
 * "a, then b, then c"), else the approach's first sentence; then the tools
 * called (by name, else how many calls) and how it ended. Deterministic.
 */
export function heuristicLesson(f: {
  steps: readonly string[];
  listed: boolean;
  approach: string;
  tools?: readonly string[];
  toolCalls?: number;
  outcome?: string;
}): string {
  const done =
    f.listed && f.steps.length > 0 ? f.steps.slice(0, 4).join(", then ") + (f.steps.length > 4 ? `, and ${f.steps.length - 4} more step(s)` : "") : f.approach;
  const notes: string[] = [];
  if (f.tools?.length) notes.push(`called ${f.tools.slice(0, 5).join(", ")}${f.tools.length > 5 ? ` and ${f.tools.length - 5} more tool(s)` : ""}`);
  else if (f.toolCalls) notes.push(`used ${f.toolCalls} tool call(s)`);
  const outcome = f.outcome ? OUTCOME_NOTE[f.outcome] : undefined;
  if (outcome) notes.push(outcome);
  const head = endSentence(capitalise(clip(done, 1500)));
  return clip(notes.length ? `${head} ${capitalise(notes.join("; "))}.` : head, 2000);
}

/**
 * The embedded default extractor: no model, just structure from the query,
 * the response, the tool calls and the outcome. Deterministic.
 */
export function extractHeuristically(f: InteractionFacts): ExtractedPattern {
  const query = f.query?.trim() ?? "";
  const response = f.response?.trim() ?? "";
  const text = `${query}\n${response}`;
  const skills = Object.entries(SKILL_WORDS)
    .filter(([, re]) => re.test(text))
    .map(([skill]) => skill);
  for (const tag of f.tags ?? []) if (!skills.includes(tag) && skills.length < 20) skills.push(clip(tag, 100));
  const problem = clip(query ? firstSentence(query) : `${f.type} from ${f.source}`, 2000);
  const approach = clip(response ? firstSentence(response) : `outcome ${f.outcome ?? "unknown"}`, 4000);
  const listed = response ? listedSteps(response) : [];
  const steps = listed.length ? listed : response ? [clip(firstSentence(response), 300)] : [];
  return {
    problem,
    approach,
    steps,
    skills: skills.length ? skills : [f.type.slice(0, 100)],
    lesson: heuristicLesson({
      steps,
      listed: listed.length > 0,
      approach,
      ...(f.tools ? { tools: f.tools } : {}),
      ...(f.toolCalls !== undefined ? { toolCalls: f.toolCalls } : {}),
      ...(f.outcome !== undefined ? { outcome: f.outcome } : {}),
    }),
  };
}

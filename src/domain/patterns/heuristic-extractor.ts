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
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1).trimEnd()}…`);

const firstSentence = (s: string) => (s.split(/(?<=[.!?])\s+|\n/).find((x) => x.trim() !== "") ?? s).trim();

/** Lines that look like steps: numbered or bulleted list items, or shell commands. */
function stepsFrom(response: string): string[] {
  const items = response
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^(\d+[.)]|[-*•]|\$ )\s*\S/.test(l))
    .map((l) => clip(l.replace(/^(\d+[.)]|[-*•]|\$)\s*/, ""), 300));
  return items.length ? items.slice(0, 10) : [clip(firstSentence(response), 300)];
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
  const toolNote = f.toolCalls ? ` using ${f.toolCalls} tool call(s)` : "";
  return {
    problem,
    approach,
    steps: response ? stepsFrom(response) : [],
    skills: skills.length ? skills : [f.type.slice(0, 100)],
    lesson: clip(`For "${clip(problem, 200)}": ${clip(approach, 400)}${toolNote} (${f.outcome ?? "outcome unknown"}).`, 2000),
  };
}

import type { ChatExample } from "./example";

/** Export formats of one immutable snapshot: the same examples, shaped for different tools. */
export const EXPORT_FORMATS = ["openai-chat", "sharegpt", "retrieval"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExampleRow {
  line: string;
  content_hash: string;
  event_id: string;
}

const SHAREGPT_ROLE = { system: "system", user: "human", assistant: "gpt" } as const;

/**
 * One JSONL line in the asked format: OpenAI chat fine-tuning records as
 * stored; ShareGPT / Hugging Face `conversations`; or a retrieval corpus line
 * (question and answer as one passage, with its metadata) for RAG.
 */
export function formatExample(row: ExampleRow, format: ExportFormat, meta: { dataset: string; version: number }): string {
  if (format === "openai-chat") return row.line;
  const example = JSON.parse(row.line) as ChatExample;
  if (format === "sharegpt") {
    return JSON.stringify({ conversations: example.messages.map((m) => ({ from: SHAREGPT_ROLE[m.role], value: m.content })) });
  }
  const [, user, assistant] = example.messages;
  return JSON.stringify({
    id: row.content_hash,
    text: `${user.content}\n\n${assistant.content}`,
    metadata: { question: user.content, dataset: meta.dataset, version: meta.version, source_event_id: row.event_id, content_hash: row.content_hash },
  });
}

import { aidb } from "./aidb";
import { hybridHead, hybridJan } from "./hybrid";
import { ralph } from "./ralph";
import { directInference, healthSpider, nodeDispatcher, queueLockContention, spoolAgentStep } from "./spool";
import type { LegacyFormat } from "./types";
import type { LegacyRecord } from "../field-rules";
import { unknownFormat } from "./unknown";
import { vscode } from "./vscode";

export type { LegacyFormat } from "./types";

/**
 * The legacy upcasters, most specific first: a record goes to the first format
 * that matches it. Formats are told apart by content, not file name, because
 * the service file and the user spool are both called hybrid-events.jsonl.
 */
export const LEGACY_FORMATS: readonly LegacyFormat[] = [
  ralph,
  healthSpider,
  queueLockContention,
  nodeDispatcher,
  aidb,
  vscode,
  spoolAgentStep,
  hybridHead,
  directInference,
  hybridJan,
  unknownFormat,
];

/** The format a record goes to: the first in LEGACY_FORMATS that matches it, which is at worst `unknown` (it matches any). */
export function legacyFormatOf(record: LegacyRecord, type: string, file: string): LegacyFormat {
  return LEGACY_FORMATS.find((f) => f.matches(record, type, file)) ?? unknownFormat;
}

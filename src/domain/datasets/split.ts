export type Split = "train" | "validation";

export const SPLITS = ["train", "validation"] as const satisfies readonly Split[];

/**
 * The split of an example, from its content hash (64 hex): its first 32 bits
 * as a fraction of 2^32, below the ratio → validation. Deterministic, so an
 * example keeps its split in every snapshot (as long as the ratio stays).
 */
export function splitOf(contentHash: string, validationRatio: number): Split {
  const head = Number.parseInt(contentHash.slice(0, 8), 16);
  if (!Number.isFinite(head)) return "train";
  return head / 2 ** 32 < validationRatio ? "validation" : "train";
}

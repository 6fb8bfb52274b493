import { dot } from "../vector-math";

/**
 * Consolidation of patterns (docs/patterns.md): a new interaction whose
 * pattern is a near duplicate (cosine ≥ the merge threshold, in the patterns
 * collection's embedding space) of an existing pattern merges into it, and
 * near duplicates within one extraction batch merge with each other. Pure.
 */

/** The default merge threshold (PATTERN_MERGE_THRESHOLD). */
export const DEFAULT_MERGE_THRESHOLD = 0.9;

/** A new interaction of a batch: its event, its server order, its match vector. */
export interface MergeCandidate {
  key: string;
  /** Server order (events.seq): the earliest member of a new group names it. */
  order: number;
  vector: Float32Array;
}

/** A stored pattern near a candidate, with its cosine similarity. */
export interface PatternHit {
  patternId: string;
  score: number;
}

export type MergeAssignment = { kind: "existing"; patternId: string } | { kind: "new"; leader: string };

/** Cosine similarity of a and b, given their norms (0 when either is a zero vector). */
function cosine(a: Float32Array, b: Float32Array, na: number, nb: number): number {
  return na === 0 || nb === 0 ? 0 : dot(a, b) / (na * nb);
}

/** The better of two hits: higher similarity, then the smaller pattern id (a total order: no input order leaks in). */
const betterHit = (a: PatternHit, b: PatternHit) => (a.score !== b.score ? a.score > b.score : a.patternId < b.patternId);

/**
 * Assigns each candidate to an existing pattern or to a new group.
 * Candidates at cosine ≥ `threshold` of each other are one group (connected
 * components, so the result does not depend on the order of the batch). A
 * candidate with a stored pattern at ≥ `threshold` joins its nearest one; the
 * other members of its group join the group's nearest stored pattern. A group
 * with none is a new pattern, named after its earliest member (the one a
 * one-by-one delivery would have created it from).
 */
export function assignMerges(candidates: readonly MergeCandidate[], hits: readonly (readonly PatternHit[])[], threshold: number): Map<string, MergeAssignment> {
  const parent = candidates.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    for (let j = i; parent[j] !== r; ) {
      const next = parent[j] as number;
      parent[j] = r;
      j = next;
    }
    return r;
  };
  // Each norm once; a pair already in one component needs no product (it cannot change the components).
  const norms = candidates.map((c) => Math.sqrt(dot(c.vector, c.vector)));
  for (let i = 0; i < candidates.length; i++) {
    const a = candidates[i] as MergeCandidate;
    for (let j = i + 1; j < candidates.length; j++) {
      const ra = find(i);
      const rb = find(j);
      if (ra === rb) continue;
      const b = candidates[j] as MergeCandidate;
      if (cosine(a.vector, b.vector, norms[i] as number, norms[j] as number) >= threshold) parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }
  }
  const best = candidates.map((_, i) => {
    let top: PatternHit | undefined;
    for (const h of hits[i] ?? []) if (h.score >= threshold && (top === undefined || betterHit(h, top))) top = h;
    return top;
  });
  const groups = Map.groupBy(
    candidates.map((c, i) => ({ c, i })),
    ({ i }) => find(i),
  );
  const out = new Map<string, MergeAssignment>();
  for (const members of groups.values()) {
    let groupBest: PatternHit | undefined;
    for (const { i } of members) {
      const h = best[i];
      if (h && (groupBest === undefined || betterHit(h, groupBest))) groupBest = h;
    }
    if (groupBest) {
      for (const { c, i } of members) out.set(c.key, { kind: "existing", patternId: (best[i] ?? groupBest).patternId });
      continue;
    }
    const leader = members.reduce((a, b) => (b.c.order < a.c.order || (b.c.order === a.c.order && b.c.key < a.c.key) ? b : a)).c.key;
    for (const { c } of members) out.set(c.key, { kind: "new", leader });
  }
  return out;
}

/** A pattern's source as the exemplar choice sees it. */
export interface SourceRank {
  eventId: string;
  value: number | null;
  /** Event time, ms since the epoch. */
  at: number;
}

/**
 * True when `a` is a better exemplar than `b`: the higher value (unknown is
 * lowest), then the earlier event, then the smaller event id. A total order,
 * so the exemplar of a pattern is the same whatever order its sources came in.
 */
export function betterExemplar(a: SourceRank, b: SourceRank): boolean {
  const va = a.value ?? -1;
  const vb = b.value ?? -1;
  if (va !== vb) return va > vb;
  if (a.at !== b.at) return a.at < b.at;
  return a.eventId < b.eventId;
}

/** Most tags a pattern keeps. */
export const MAX_PATTERN_TAGS = 20;

/** The tags of a merged pattern: the union of its sources' tags, sorted, at most {@link MAX_PATTERN_TAGS}. */
export function mergeTags(...lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())].sort().slice(0, MAX_PATTERN_TAGS);
}

/**
 * Search order: similarity first; similarities within 1e-6 of each other
 * (compared after rounding to six decimals) are ties, broken by support, then
 * quality (unknown last), then pattern id.
 */
export function compareSearchHits(
  a: { id: string; score: number; support: number; quality: number | null },
  b: { id: string; score: number; support: number; quality: number | null },
): number {
  const sa = Math.round(a.score * 1e6);
  const sb = Math.round(b.score * 1e6);
  if (sa !== sb) return sb - sa;
  if (a.support !== b.support) return b.support - a.support;
  const qa = a.quality ?? -1;
  const qb = b.quality ?? -1;
  if (qa !== qb) return qb - qa;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

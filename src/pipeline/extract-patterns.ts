import { DependencyUnavailableError, type BreakerOptions } from "../adapters/breaker";
import { commitTogether } from "../adapters/commit";
import type { Embedder } from "../adapters/embedder";
import type { EventRecord } from "../adapters/event-store";
import { extractWithLlm, MAX_SUPPORTING_QUERIES } from "../adapters/llm-extractor";
import { log } from "../adapters/log";
import {
  findPatterns,
  finishWithoutPatternStatement,
  loadPendingExtractions,
  patternSourceEvents,
  pendingExtractionStates,
  type PendingExtraction,
  storePatternsStatements,
  type PatternWrite,
  type SourceWrite,
  type StoredPattern,
} from "../adapters/pattern-store";
import { planCollections, type CollectionPlan, type CollectionRow } from "../adapters/vector-collections";
import type { VectorStore } from "../adapters/vector-store";
import type { Message } from "../domain/event-schema";
import { assignMerges, betterExemplar, DEFAULT_MERGE_THRESHOLD, mergeTags, type PatternHit, type SourceRank } from "../domain/patterns/consolidate";
import { extractHeuristically, type InteractionFacts } from "../domain/patterns/heuristic-extractor";
import { matchText, patternPoint, patternSearchText, type ExtractedPattern, type ExtractorName } from "../domain/patterns/pattern";
import { sha256Hex } from "../domain/sha256";
import { contentOf } from "../domain/text-content";
import { parseClientTimestamp } from "../domain/timestamps";

export const PATTERN_KIND = "patterns";

/** Stored patterns each new interaction is compared with (the nearest few; the best at or above the threshold wins). */
const MERGE_NEIGHBOURS = 3;

/** What pattern work needs; src/wiring.ts builds it from the environment and the configuration. */
export interface PatternDeps {
  db: D1Database;
  breaker: BreakerOptions;
  /** The configured embedder: the built-in one unless EMBEDDINGS_URL is set. */
  embedder: Embedder;
  /** The embedder that made a collection (queries must be embedded in the collection's own space). */
  embedderFor(row: CollectionRow): Embedder;
  storeFor(row: CollectionRow): VectorStore;
  llm: { url: string; model: string; apiKey?: string | undefined } | null;
  /** Cosine at or above which a new interaction merges into a pattern (PATTERN_MERGE_THRESHOLD; default {@link DEFAULT_MERGE_THRESHOLD}). */
  mergeThreshold?: number;
}

/** Names of the tools the assistant called in a conversation, distinct, in order of first call. */
function toolNamesOf(messages: readonly Message[] | undefined): string[] {
  const names = new Set<string>();
  for (const m of messages ?? []) {
    if (m.role !== "assistant" || !Array.isArray(m.tool_calls)) continue;
    for (const call of m.tool_calls) if (typeof call?.function?.name === "string") names.add(call.function.name);
  }
  return [...names].slice(0, 20);
}

/** What an extractor may see of an event: real text only, never scrubbed markers. */
export function factsOf(record: EventRecord): InteractionFacts | null {
  const e = record.event;
  const query = contentOf(e.query);
  const response = contentOf(e.response);
  if (query === undefined && response === undefined) return null;
  const toolCalls = e.attributes?.tool_calls;
  const tools = toolNamesOf((e as { messages?: readonly Message[] }).messages);
  return {
    type: e.type,
    source: e.source,
    ...(query !== undefined ? { query } : {}),
    ...(response !== undefined ? { response } : {}),
    ...(e.outcome ? { outcome: e.outcome } : {}),
    ...(e.tags ? { tags: e.tags } : {}),
    ...(typeof toolCalls === "number" ? { toolCalls } : {}),
    ...(tools.length ? { tools } : {}),
  };
}

/** A new pattern's id derives from its first source's content, so a redelivery (or the same interaction twice) is one pattern. */
export async function patternIdOf(project: string, facts: InteractionFacts): Promise<string> {
  return `pat_${(await sha256Hex(JSON.stringify([project, facts.type, facts.query ?? "", facts.response ?? ""]))).slice(0, 32)}`;
}

/** The event time of a source (its client timestamp), else when it was received. */
function eventTimeOf(record: EventRecord): number {
  return parseClientTimestamp(record.event.timestamp) ?? record.receivedAt;
}

/**
 * The LLM extractor when configured and reachable (from the exemplar and a
 * few supporting queries), else the heuristic one (marked for re-extraction
 * when the LLM failed).
 */
export async function extractOne(
  deps: PatternDeps,
  facts: InteractionFacts,
  supportingQueries: readonly string[] = [],
): Promise<{ pattern: ExtractedPattern; extractor: ExtractorName; needsReextract: boolean }> {
  if (deps.llm) {
    try {
      return { pattern: await extractWithLlm(deps.db, deps.llm, deps.breaker, facts, supportingQueries), extractor: "llm", needsReextract: false };
    } catch (err) {
      log("warn", "LLM extraction failed; heuristic fallback, marked for re-extraction", { error: err });
      return { pattern: extractHeuristically(facts), extractor: "heuristic", needsReextract: true };
    }
  }
  return { pattern: extractHeuristically(facts), extractor: "heuristic", needsReextract: false };
}

/** One new interaction of a batch. */
interface Fresh {
  record: EventRecord;
  facts: InteractionFacts;
  value: number | null;
  at: number;
  text: string;
  vector: Float32Array | null;
}

const rankOf = (f: Fresh): SourceRank => ({ eventId: f.record.eventId, value: f.value, at: f.at });

/**
 * The stored patterns nearest each text, in the configured model's
 * collection; during a model change also in the complete one searches read
 * (in its own space), so a pattern not yet re-embedded still attracts its
 * duplicates. One embedding call and one search call per collection.
 */
async function nearestPatterns(deps: PatternDeps, plan: CollectionPlan, project: string, fresh: readonly Fresh[]): Promise<PatternHit[][]> {
  const found: PatternHit[][] = fresh.map(() => []);
  const searchIn = async (row: CollectionRow, vectors: readonly (Float32Array | null)[]) => {
    const asked = vectors.flatMap((vector, i) => (vector ? [{ i, vector }] : []));
    if (asked.length === 0) return;
    const results = await deps.storeFor(row).searchBatch(asked.map(({ vector }) => ({ project, vector, limit: MERGE_NEIGHBOURS })));
    asked.forEach(({ i }, n) => {
      for (const h of results[n] ?? []) found[i]?.push({ patternId: h.id, score: h.score });
    });
  };
  await searchIn(
    plan.write,
    fresh.map((f) => f.vector),
  );
  if (plan.read.name !== plan.write.name) await searchIn(plan.read, await deps.embedderFor(plan.read).embed(fresh.map((f) => f.text)));
  return found;
}

/** A group of new interactions bound for one pattern (an existing one, or a new one named after `id`). */
interface Group {
  id: string;
  members: Fresh[];
}

/**
 * Distils the pending high-value events of one project into patterns,
 * consolidating near duplicates (docs/patterns.md): each event's match text
 * is embedded (one call) and compared with the stored patterns (one search
 * call) and with the other events of the batch; an event at cosine ≥ the
 * merge threshold joins that pattern, the rest make new ones. The best
 * source (highest value) is a pattern's exemplar: its problem, approach and
 * lesson are the pattern's (written by the LLM from it and up to three
 * supporting queries when configured). Patterns, sources, recomputed support
 * and finished extractions commit together. An event already a source of a
 * pattern (a re-extraction) stays there and changes nothing. When the
 * embedder or the vector store is unavailable it throws
 * DependencyUnavailableError before writing anything: the message is retried
 * later, nothing is dropped. `held`: the events themselves with their values,
 * when the caller has them (the chunk it just scored; `eventIds` are theirs):
 * their payloads are not read again.
 */
export async function extractPatterns(deps: PatternDeps, project: string, eventIds: readonly string[], now: number, held?: readonly HeldEvent[]) {
  const pending = held ? await pendingOfHeld(deps.db, project, held) : await loadPendingExtractions(deps.db, project, eventIds);
  const empty: string[] = [];
  const finished: { project: string; eventId: string; patternId: string }[] = [];
  const fresh: Fresh[] = [];
  for (const { record, value, existingPatternId } of pending) {
    const facts = factsOf(record);
    if (!facts) empty.push(record.eventId);
    else if (existingPatternId) finished.push({ project, eventId: record.eventId, patternId: existingPatternId });
    else fresh.push({ record, facts, value, at: eventTimeOf(record), text: matchText(facts), vector: null });
  }
  const patterns: PatternWrite[] = [];
  const sources: SourceWrite[] = [];
  let merged = 0;
  if (fresh.length) {
    const plan = await planCollections(deps.db, PATTERN_KIND, deps.embedder.model, deps.embedder.dimension, now);
    const vectors = await deps.embedder.embed(fresh.map((f) => f.text));
    fresh.forEach((f, i) => {
      f.vector = vectors[i] ?? null;
    });
    const hits = await nearestPatterns(deps, plan, project, fresh);
    const assignments = assignMerges(
      fresh.map((f) => ({ key: f.record.eventId, order: f.record.seq, vector: f.vector ?? new Float32Array(0) })),
      hits,
      deps.mergeThreshold ?? DEFAULT_MERGE_THRESHOLD,
    );
    const byKey = new Map(fresh.map((f) => [f.record.eventId, f]));
    const grouped = new Map<string, Fresh[]>();
    for (const f of fresh) {
      const a = assignments.get(f.record.eventId);
      const key = a?.kind === "existing" ? `old:${a.patternId}` : `new:${a?.leader ?? f.record.eventId}`;
      grouped.set(key, [...(grouped.get(key) ?? []), f]);
    }
    const groups: Group[] = [];
    const orphans: Fresh[][] = [];
    // The patterns hit and the ids new groups would take (the same content may be stored already), in one read.
    const newGroups: Group[] = [];
    for (const [key, members] of grouped) {
      if (key.startsWith("old:")) continue;
      const leader = byKey.get(key.slice(4)) as Fresh;
      newGroups.push({ id: await patternIdOf(project, leader.facts), members });
    }
    const hitIds = [...grouped.keys()].filter((k) => k.startsWith("old:")).map((k) => k.slice(4));
    const found = await findPatterns(deps.db, project, [...hitIds, ...newGroups.map((g) => g.id)]);
    for (const [key, members] of grouped) {
      if (!key.startsWith("old:")) continue;
      if (found.has(key.slice(4))) groups.push({ id: key.slice(4), members });
      else orphans.push(members); // a point whose pattern is gone: its members make a new pattern
    }
    groups.push(...newGroups);
    const orphanGroups: Group[] = [];
    for (const members of orphans) {
      const leader = members.reduce((a, b) => (b.record.seq < a.record.seq ? b : a));
      orphanGroups.push({ id: await patternIdOf(project, leader.facts), members });
    }
    groups.push(...orphanGroups);
    const unread = orphanGroups.map((g) => g.id).filter((id) => !found.has(id));
    if (unread.length) for (const [id, p] of await findPatterns(deps.db, project, unread)) found.set(id, p);
    for (const group of groups) {
      const write = await consolidateGroup(deps, project, group, found.get(group.id));
      patterns.push(write.pattern);
      if (found.has(group.id)) merged += group.members.length;
      for (const m of group.members) {
        sources.push({ project, patternId: group.id, eventId: m.record.eventId, value: m.value, eventTime: m.at });
        finished.push({ project, eventId: m.record.eventId, patternId: group.id });
      }
    }
    await upsertPoints(
      deps,
      plan,
      groups.map((g, i) => {
        const stored = found.get(g.id);
        const values = [stored?.value ?? null, ...g.members.map((m) => m.value)].filter((v): v is number => v !== null);
        return { write: patterns[i] as PatternWrite, support: (stored?.support ?? 0) + g.members.length, value: values.length ? Math.max(...values) : null };
      }),
      fresh,
    );
  }
  const statements = storePatternsStatements(deps.db, patterns, sources, finished, now);
  if (empty.length) statements.push(finishWithoutPatternStatement(deps.db, project, empty, now));
  await commitTogether(deps.db, statements);
  return {
    extracted: fresh.length,
    merged,
    patterns_written: patterns.length,
    already_extracted: finished.length - fresh.length,
    without_content: empty.length,
  };
}

/** An event the caller holds already (upcast, as it scored it) and the value it was just given. */
export interface HeldEvent {
  record: EventRecord;
  value: number | null;
}

/** Those of the held events still waiting for extraction, in server order, read without their payloads. */
async function pendingOfHeld(db: D1Database, project: string, held: readonly HeldEvent[]): Promise<PendingExtraction[]> {
  const states = await pendingExtractionStates(
    db,
    project,
    held.map((h) => h.record.eventId),
  );
  return held
    .filter((h) => states.has(h.record.eventId))
    .sort((a, b) => a.record.seq - b.record.seq)
    .map((h) => ({ ...h, existingPatternId: states.get(h.record.eventId) ?? null }));
}

/**
 * The pattern row a group makes or updates: the exemplar is the best of the
 * stored one and the new members; when it changes, the pattern's text is
 * extracted again from it (LLM with supporting queries, else heuristic).
 */
async function consolidateGroup(deps: PatternDeps, project: string, group: Group, existing: StoredPattern | undefined): Promise<{ pattern: PatternWrite }> {
  const best = group.members.reduce((a, b) => (betterExemplar(rankOf(b), rankOf(a)) ? b : a));
  const current: SourceRank | null = existing
    ? { eventId: existing.exemplar_event_id ?? "", value: existing.exemplar_rank?.value ?? existing.value, at: existing.exemplar_rank?.at ?? 0 }
    : null;
  const tags = mergeTags(existing?.tags ?? [], ...group.members.map((m) => m.record.event.tags ?? []));
  if (existing && current && !betterExemplar(rankOf(best), current)) {
    return {
      pattern: {
        project,
        id: group.id,
        pattern: { problem: existing.problem, approach: existing.approach, steps: existing.steps, skills: existing.skills, lesson: existing.lesson },
        extractor: existing.extractor,
        needsReextract: existing.needs_reextract,
        source: existing.source,
        tags,
        exemplarEventId: existing.exemplar_event_id ?? best.record.eventId,
        searchText: existing.search_text ?? patternSearchText(existing),
      },
    };
  }
  const supporting = group.members.filter((m) => m !== best).flatMap((m) => (m.facts.query ? [m.facts.query] : []));
  if (deps.llm && existing && supporting.length < MAX_SUPPORTING_QUERIES) {
    for (const record of await patternSourceEvents(deps.db, project, group.id, MAX_SUPPORTING_QUERIES)) {
      const query = factsOf(record)?.query;
      if (query) supporting.push(query);
    }
  }
  const { pattern, extractor, needsReextract } = await extractOne(deps, best.facts, supporting);
  return {
    pattern: {
      project,
      id: group.id,
      pattern,
      extractor,
      needsReextract,
      source: best.record.event.source,
      tags,
      exemplarEventId: best.record.eventId,
      searchText: best.text,
    },
  };
}

/** Writes the touched patterns' points (vector of their match text) into the configured model's collection, in one upsert. */
async function upsertPoints(
  deps: PatternDeps,
  plan: CollectionPlan,
  items: readonly { write: PatternWrite; support: number; value: number | null }[],
  fresh: readonly Fresh[],
) {
  if (items.length === 0) return;
  const known = new Map(fresh.flatMap((f) => (f.vector ? [[f.text, f.vector] as const] : [])));
  const missing = [...new Set(items.map((i) => i.write.searchText).filter((t) => !known.has(t)))];
  if (missing.length) {
    const vectors = await deps.embedder.embed(missing);
    missing.forEach((text, i) => {
      const v = vectors[i];
      if (v) known.set(text, v);
    });
  }
  await deps.storeFor(plan.write).upsert(
    items.flatMap(({ write, support, value }) => {
      const vector = known.get(write.searchText);
      return vector ? [patternPoint({ id: write.id, project: write.project, source: write.source, tags: write.tags, value, support }, vector)] : [];
    }),
  );
}

export { DependencyUnavailableError };

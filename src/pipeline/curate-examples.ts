import type { Candidate, DatasetRow, ExampleToStore } from "../adapters/dataset-store";
import type { EventRecord } from "../adapters/event-store";
import { splitOf } from "../domain/datasets/split";
import { judgeAnswer } from "../domain/scoring/answer-quality";
import { qualityInputOf } from "./score-events";
import type { Embedder } from "../adapters/embedder";
import type { VectorStore } from "../adapters/vector-store";
import { sha256Hex } from "../domain/sha256";
import { buildExample } from "../domain/datasets/example";
import { upcastEvent } from "../domain/upcast";
import { utf8ByteLength } from "../domain/utf8";
import { dot } from "../domain/vector-math";

/** What curation needs; src/wiring.ts builds it. */
export interface CurationDeps {
  /** The embedder near duplicates are judged with. */
  embedder: Embedder;
  /** The vectors of a dataset's examples. */
  storeFor(ds: DatasetRow): VectorStore;
  /** A session's events up to a sequence, in server order (for `unit: "session"`). */
  loadSession(project: string, sessionId: string, uptoSeq: number): Promise<EventRecord[]>;
}

export interface Curated {
  examples: ExampleToStore[];
  nearDuplicates: number;
  skipped: number;
  /** Candidates left out because their text was hashed or redacted. */
  excludedRedacted: number;
}

/** The skip reason buildExample gives redacted text (counted apart, for the manifest). */
const REDACTED_SKIP = "text was hashed or redacted";

/**
 * The events each candidate's example is made of: the candidate alone, or with `unit: "session"`
 * its session's events up to it, in server order (one read per session in the page; only the
 * page's last candidate of a session makes an example, the longer one superseding the shorter).
 */
async function examplesUnits(ds: DatasetRow, candidates: readonly Candidate[], loadSession: CurationDeps["loadSession"]) {
  if (ds.rules.unit !== "session") return candidates.map((c) => ({ candidate: c, events: [c.record], sessionId: null as string | null }));
  const lastOfSession = new Map<string, Candidate>();
  for (const c of candidates) if (c.record.event.session_id) lastOfSession.set(c.record.event.session_id, c);
  const units = [];
  for (const c of candidates) {
    const sessionId = c.record.event.session_id;
    if (!sessionId) {
      units.push({ candidate: c, events: [c.record], sessionId: null });
      continue;
    }
    if (lastOfSession.get(sessionId) !== c) continue;
    units.push({ candidate: c, events: await loadSession(ds.project, sessionId, c.record.seq), sessionId });
  }
  return units;
}

/**
 * Turns a page of candidates into a dataset's new examples by its rules: whole conversations
 * with their tools (src/domain/datasets/example.ts), checked against OpenAI's chat format,
 * never a non-answer, redacted text left out or kept as placeholders by the `redacted` rule,
 * each with its split fixed by its hash. With `dropNearDuplicates`, an example as close as
 * the rules' threshold to an earlier one (one batched search for the page) or to one kept
 * before it in the page is dropped. The kept examples' vectors are stored for later pages;
 * storing the examples themselves, with the dataset's cursor, is the caller's.
 */
export async function curateExamples(deps: CurationDeps, ds: DatasetRow, candidates: readonly Candidate[], dropNearDuplicates: boolean): Promise<Curated> {
  const examples: (ExampleToStore & { vector: Float32Array | null })[] = [];
  let skipped = 0;
  let excludedRedacted = 0;
  for (const { candidate: c, events, sessionId } of await examplesUnits(ds, candidates, deps.loadSession)) {
    const upcast = events.map((r) => upcastEvent(r.event, r.schemaVersion));
    const last = upcast.at(-1);
    if (!last) continue;
    const nonAnswer = judgeAnswer(qualityInputOf(last)).non_answer;
    const decision = buildExample(upcast, { value: c.value, confidence: c.confidence, profile: c.profile, non_answer: nonAnswer }, ds.rules);
    if ("skip" in decision) {
      skipped++;
      if (decision.skip === REDACTED_SKIP) excludedRedacted++;
      continue;
    }
    const line = JSON.stringify(decision.example);
    const contentHash = await sha256Hex(line);
    const answer = decision.example.messages.at(-1);
    const answerText = typeof answer?.content === "string" ? answer.content : "";
    examples.push({
      contentHash,
      eventId: c.record.eventId,
      line,
      bytes: utf8ByteLength(line) + 1,
      kind: "chat",
      split: splitOf(contentHash, ds.rules.validation_ratio),
      source: decision.meta.source,
      model: decision.meta.model,
      value: c.value,
      firstUser: decision.meta.first_user.slice(0, 500),
      sourceEventIds: decision.meta.source_event_ids,
      sessionId,
      vector: (await deps.embedder.embed([`${decision.meta.first_user}\n${answerText}`]))[0] ?? null,
    });
  }
  const store = deps.storeFor(ds);
  const withVectors = examples.flatMap(({ vector, contentHash }) => (vector ? [{ vector, contentHash }] : []));
  const hits = withVectors.length
    ? await store.searchBatch(withVectors.map((e) => ({ project: ds.project, vector: e.vector, limit: 1, excludeIds: [e.contentHash] })))
    : [];
  const nearEarlier = new Set(withVectors.filter((_, i) => (hits[i]?.[0]?.score ?? 0) >= ds.rules.near_duplicate_threshold).map((e) => e.contentHash));
  const kept: typeof examples = [];
  for (const e of examples) {
    if (!dropNearDuplicates) {
      kept.push(e);
      continue;
    }
    if (nearEarlier.has(e.contentHash)) continue;
    const { vector } = e;
    if (vector && kept.some((k) => k.vector && dot(k.vector, vector) >= ds.rules.near_duplicate_threshold)) continue;
    kept.push(e);
  }
  await store.upsert(kept.flatMap((e) => (e.vector ? [{ id: e.contentHash, project: ds.project, vector: e.vector, payload: { event_id: e.eventId } }] : [])));
  return { examples: kept.map(({ vector: _v, ...rest }) => rest), nearDuplicates: examples.length - kept.length, skipped, excludedRedacted };
}

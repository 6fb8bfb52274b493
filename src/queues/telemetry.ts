import { incrementCounter } from "../adapters/counters";
import { observeStageDuration } from "../adapters/histograms";
import { errorType, log } from "../adapters/log";
import { sampledLine } from "../adapters/log-sampler";
import { type EventRecord, findEvents, loadUnprocessedChunk, markChunkProcessed } from "../adapters/event-store";
import { commitTogether } from "../adapters/commit";
import { sendPerIds } from "../adapters/queue-send";
import { type IngestBatchMessage, type JudgeMessage, type LogEventMessage, type RescoreMessage, telemetryQueueMessageSchema } from "../domain/queue-messages";
import { upcastEvent } from "../domain/upcast";
import { type Config, readConfig } from "../config";
import type { Env } from "../env";
import { ingestItems } from "../pipeline/ingest";
import { scoreEvents, type ScoringDeps } from "../pipeline/score-events";
import { judgeAnswers, JudgeUnavailable } from "../pipeline/judge-answers";
import { extractPatterns, type HeldEvent } from "../pipeline/extract-patterns";
import { judgeDeps, patternDeps, scoringDeps } from "../wiring";
import { consumeEach, type Malformed, RetrySoon } from "./consume";
import { isProblem } from "../domain/problem";

/**
 * Consumes ingest chunk references: upcast each stored event, score the
 * chunk, then mark it processed in the same transaction as its scores.
 * Idempotent: a redelivered or relayed message finds no `received` rows and
 * changes nothing. Also writes the events that could not be written when
 * they happened (`log_event`), re-scores (`rescore`), and, when the LLM judge is
 * configured, asks it about the answers just scored (`judge`, sent after each chunk).
 */
export async function consumeTelemetry(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  // Parsed once per batch and passed on.
  const config = readConfig(env);
  let deps: ScoringDeps | undefined;
  const depsOnce = async () => (deps ??= await scoringDeps(env, config));
  await consumeEach(batch, env, {
    schema: telemetryQueueMessageSchema,
    async handle(body, message) {
      if (body.kind === "log_event") return writeLoggedEvent(env, config, body, message);
      if (body.kind === "rescore") return rescore(env, depsOnce, body);
      if (body.kind === "judge") return judge(env, config, depsOnce, body);
      await processChunk(env, config, depsOnce, body);
    },
    async onRetry(error, body, message) {
      if (body.kind === "log_event") {
        log("warn", "queued event still cannot be written; retrying", { request_id: body.request_id, error });
        return;
      }
      if (body.kind === "rescore") {
        if (error instanceof NotYetScored) log("info", "re-score waits for the first score", { request_id: body.request_id, events: error.waiting });
        else log("error", "re-score failed; retrying", { request_id: body.request_id, attempts: message.attempts, error });
        return;
      }
      if (body.kind === "judge") {
        if (error instanceof JudgeUnavailable) {
          log("warn", "LLM judge unavailable; quality stays the heuristic's until a retry", {
            request_id: body.request_id,
            events: error.waiting,
            error: error.cause,
          });
        } else log("error", "judging failed; retrying", { request_id: body.request_id, attempts: message.attempts, error });
        return;
      }
      log("error", "telemetry chunk failed; retrying", { request_id: body.request_id, batch_id: body.batch_id, attempts: message.attempts, error });
      await incrementCounter(env.DB, "errors_total", 1, `stage="process",type="${errorType(error)}"`).run();
    },
  });
}

/** Writes an event the proxy could not record when it happened. One that ingest rejects can never be written: it is parked. */
async function writeLoggedEvent(env: Env, config: Config, body: LogEventMessage, message: Message<unknown>): Promise<Malformed | undefined> {
  const summary = await ingestItems(env, body.project, [{ value: body.event }], body.request_id ?? message.id, Date.now(), { internal: true, config });
  if (isProblem(summary)) return { malformed: [{ path: "event", message: summary.message }] };
  const rejected = summary.results.flatMap((r) => (r.status === "rejected" ? r.errors : []));
  return rejected.length ? { malformed: rejected.map((e) => ({ ...e, path: e.path ? `event.${e.path}` : "event" })) } : undefined;
}

/** An event of a re-score message whose chunk is not scored yet: the message waits (retry), so the first score cannot overwrite the new one. */
class NotYetScored extends RetrySoon {
  constructor(readonly waiting: number) {
    super(`${waiting} event(s) not scored yet`);
  }
}

/** Scores stored events again at once (their content or feedback changed); events that no longer exist are done. */
async function rescore(env: Env, depsOnce: () => Promise<ScoringDeps>, body: RescoreMessage): Promise<undefined> {
  const records = await findEvents(env.DB, body.project, body.event_ids, body.interaction_ids ?? []);
  const waiting = records.filter((r) => r.status !== "processed").length;
  if (waiting > 0) throw new NotYetScored(waiting);
  for (const record of records) record.event = upcastEvent(record.event, record.schemaVersion);
  const { statements } = await scoreEvents(await depsOnce(), body.project, records, body.reason, Date.now());
  await commitTogether(env.DB, statements);
  return undefined;
}

/** Asks the LLM judge about stored answers and re-scores them with its verdicts; a judge no longer configured has nothing to do. */
async function judge(env: Env, config: Config, depsOnce: () => Promise<ScoringDeps>, body: JudgeMessage): Promise<undefined> {
  const deps = await judgeDeps(env, config, await depsOnce());
  if (!deps) return undefined;
  const summary = await judgeAnswers(deps, body.project, body.event_ids, Date.now);
  log("info", "answers judged", { request_id: body.request_id, project: body.project, ...summary });
  return undefined;
}

async function processChunk(env: Env, config: Config, depsOnce: () => Promise<ScoringDeps>, chunk: IngestBatchMessage): Promise<void> {
  const started = Date.now();
  const records = await loadUnprocessedChunk(env.DB, chunk.batch_id);
  for (const record of records) record.event = upcastEvent(record.event, record.schemaVersion);
  const deps = await depsOnce();
  const now = Date.now();
  const { statements, scores, toJudge } = await scoreEvents(deps, chunk.project, records, "ingest", now);
  const highValue = scores.filter((sc) => sc.highValue).map((sc) => sc.eventId);
  await markChunkProcessed(env.DB, chunk.batch_id, now, [...statements, observeStageDuration(env.DB, "process", (Date.now() - started) / 1000)]);
  // A routine success line: one a second, saying how many it stands for (a line per chunk was ~5 % of the drain).
  const line = sampledLine("chunk processed", Date.now());
  if (line.log) {
    log("info", "chunk processed", {
      request_id: chunk.request_id,
      batch_id: chunk.batch_id,
      events: records.length,
      high_value: highValue.length,
      ...(line.unlogged ? { unlogged: line.unlogged } : {}),
    });
  }
  // Scores come in the records' order.
  const held = scores.flatMap((sc, i): HeldEvent[] => (sc.highValue ? [{ record: records[i] as EventRecord, value: sc.score.value }] : []));
  if (!(await extractHere(env, config, chunk, held))) await sendForExtraction(env, chunk.project, highValue, chunk.request_id);
  await sendForJudging(env, chunk.project, toJudge, chunk.request_id);
}

/**
 * With no outside service in it (no LLM, no embeddings server, no Qdrant), extraction is local work like scoring's: it
 * runs here on the events just scored, which saves the extract queue's hop and a second read and parse of their
 * payloads. With any of them it stays on the extract queue, so a slow or absent service never holds up scoring. False
 * when it did not run or failed: the extraction rows were committed with the scores, and the extract queue does the
 * work instead.
 */
async function extractHere(env: Env, config: Config, chunk: IngestBatchMessage, held: HeldEvent[]): Promise<boolean> {
  if (held.length === 0) return true;
  if (env.LLM_URL || env.EMBEDDINGS_URL || env.QDRANT_URL) return false;
  const deps = patternDeps(env, config);
  const started = Date.now();
  try {
    const result = await extractPatterns(
      deps,
      chunk.project,
      held.map((h) => h.record.eventId),
      started,
      held,
    );
    await observeStageDuration(env.DB, "extract", (Date.now() - started) / 1000).run();
    const line = sampledLine("patterns extracted", Date.now());
    if (line.log)
      log("info", "patterns extracted", {
        request_id: chunk.request_id,
        project: chunk.project,
        ...result,
        ...(line.unlogged ? { unlogged: line.unlogged } : {}),
      });
    return true;
  } catch (error) {
    log("warn", "extraction after scoring failed; the extract queue takes it", { request_id: chunk.request_id, batch_id: chunk.batch_id, error });
    return false;
  }
}

/** Asks this queue to have the LLM judge read the answers just scored (only when it is configured: else `toJudge` is empty). */
async function sendForJudging(env: Env, project: string, eventIds: string[], requestId: string | undefined): Promise<void> {
  const error = await sendPerIds(env.TELEMETRY_QUEUE, eventIds, (event_ids) => ({
    kind: "judge" as const,
    project,
    event_ids,
    ...(requestId ? { request_id: requestId } : {}),
  }));
  // The scores stand with the heuristic's quality; the scoring cron's re-scores use a verdict once one is cached.
  if (error) log("warn", "judge enqueue failed; these answers keep the heuristic's quality", { request_id: requestId, events: eventIds.length, error });
}

/** Asks the extract queue for patterns; the extraction rows are already committed, so a failed send only delays them (the relay re-sends). */
async function sendForExtraction(env: Env, project: string, eventIds: string[], requestId: string | undefined): Promise<void> {
  const error = await sendPerIds(env.EXTRACT_QUEUE, eventIds, (event_ids) => ({
    kind: "extract" as const,
    project,
    event_ids,
    ...(requestId ? { request_id: requestId } : {}),
  }));
  if (error) log("warn", "extract enqueue failed; the relay will re-send", { request_id: requestId, error });
}

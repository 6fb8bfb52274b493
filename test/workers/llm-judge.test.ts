import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { BASE, createKey, event, eventually, postEvents, strandChunk } from "./helpers";

/* The optional LLM judge of answer quality (docs/answer-quality.md): off the ingest path, cached, never made up. */

type Score = {
  value: number | null;
  high_value: boolean;
  non_answer: boolean;
  components: { quality: number | null };
  quality_source: "heuristic" | "llm";
  judge_reason?: string;
  reason: string;
};

/** The worker's env with the judge at the fake server's namespace `ns`. */
const judgeEnv = (ns: string): Cloudflare.Env => ({ ...env, JUDGE_URL: `${env.TEST_FAKE_AI_URL}/ns/${ns}`, JUDGE_MODEL: "fake-judge" }) as Cloudflare.Env;

async function setMode(ns: string, mode: string) {
  const res = await fetch(`${env.TEST_FAKE_AI_URL}/ns/${ns}/__mode`, { method: "POST", body: JSON.stringify({ mode }) });
  expect(res.status).toBe(200);
}

const callsOf = async (ns: string) => (await (await fetch(`${env.TEST_FAKE_AI_URL}/ns/${ns}/__calls`)).json<{ calls: number }>()).calls;

/** Delivers telemetry messages straight to the worker's queue handler with `on` as its env; answers which were retried. */
async function deliver(on: Cloudflare.Env, bodies: unknown[]) {
  const batch = createMessageBatch(
    "gleaner-telemetry",
    bodies.map((body, i) => ({ id: `judge-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, on, ctx);
  const result = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks.length, retried: result.retryMessages.length };
}

const judgeMessage = (project: string, ids: string[]) => ({ kind: "judge", project, event_ids: ids });

/** The score as GET /v1/events/{id}/score answers it under `on` (the judge's config names its cached verdicts). */
async function scoreOf(key: string, id: string, on: Cloudflare.Env): Promise<Score | undefined> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}/v1/events/${encodeURIComponent(id)}/score`, { headers: { Authorization: `Bearer ${key}` } }), on, ctx);
  await waitOnExecutionContext(ctx);
  return res.status === 200 ? res.json<Score>() : undefined;
}

const GOOD =
  "Set SystemMaxUse=500M in /etc/systemd/journald.conf, then run `systemctl restart systemd-journald` and " +
  "`journalctl --vacuum-size=500M` to trim what is already stored.";

describe("the LLM judge", () => {
  it("is sent the answers a chunk just scored (not heuristic non-answers), and its verdict becomes quality after the re-score", async () => {
    const ns = "judge-flow";
    await setMode(ns, "judge");
    const on = judgeEnv(ns);
    const project = "llm-judge-flow";
    const { key } = await createKey(project);
    await strandChunk(project, "judge-flow-chunk", ["jf-good", "jf-refusal"]);
    const set = (id: string, response: string) =>
      env.DB.prepare(
        "UPDATE events SET payload = json_set(payload, '$.query', 'Why does journald fill the disk?', '$.response', ?3, '$.outcome', 'success') WHERE project = ?1 AND event_id = ?2",
      )
        .bind(project, id, response)
        .run();
    await set("jf-good", `${GOOD} judge-quality=0.42`);
    await set("jf-refusal", "I am not sure.");

    // The consumer scores with the heuristic at once and asks its own queue for the judge.
    const sent: unknown[] = [];
    const recorder = {
      async send(body: unknown) {
        sent.push(body);
      },
      async sendBatch(messages: { body: unknown }[]) {
        sent.push(...messages.map((m) => m.body));
      },
    } as unknown as Queue;
    expect(await deliver({ ...on, TELEMETRY_QUEUE: recorder } as Cloudflare.Env, [{ kind: "ingest_batch", batch_id: "judge-flow-chunk", project }])).toEqual({
      acked: 1,
      retried: 0,
    });
    expect(sent).toEqual([{ kind: "judge", project, event_ids: ["jf-good"] }]);
    const before = (await scoreOf(key, "jf-good", on))!;
    expect(before).toMatchObject({ quality_source: "heuristic", reason: "ingest" });
    expect(before.judge_reason).toBeUndefined();
    expect(await callsOf(ns)).toBe(0);

    expect(await deliver(on, sent)).toEqual({ acked: 1, retried: 0 });
    const after = (await scoreOf(key, "jf-good", on))!;
    expect(after).toMatchObject({ quality_source: "llm", judge_reason: "fake judge: quality 0.42", reason: "judge", components: { quality: 0.42 } });
    expect(await callsOf(ns)).toBe(1);
    const refusal = (await scoreOf(key, "jf-refusal", on))!;
    expect(refusal).toMatchObject({ non_answer: true, high_value: false, quality_source: "heuristic" });

    // The same events scored again later (feedback, the cron) keep the cached verdict.
    expect(await deliver(on, [{ kind: "rescore", project, event_ids: ["jf-good"], reason: "feedback" }])).toEqual({ acked: 1, retried: 0 });
    expect(await scoreOf(key, "jf-good", on)).toMatchObject({ quality_source: "llm", components: { quality: 0.42 }, reason: "feedback" });
  });

  it("judges the same text once: a cache by content hash", async () => {
    const ns = "judge-cache";
    await setMode(ns, "judge");
    const on = judgeEnv(ns);
    const project = "llm-judge-cache";
    const { key } = await createKey(project);
    const same = { query: "How do I trim the journal?", response: `${GOOD} judge-quality=0.66` };
    expect((await postEvents(key, [event("jc-1", same), event("jc-2", same)])).status).toBe(202);
    await eventually(() => scoreOf(key, "jc-2", on));
    expect(await deliver(on, [judgeMessage(project, ["jc-1", "jc-2"])])).toEqual({ acked: 1, retried: 0 });
    expect(await deliver(on, [judgeMessage(project, ["jc-2"])])).toEqual({ acked: 1, retried: 0 });
    expect(await callsOf(ns)).toBe(1);
    for (const id of ["jc-1", "jc-2"]) expect(await scoreOf(key, id, on), id).toMatchObject({ quality_source: "llm", components: { quality: 0.66 } });
    const rows = await env.DB.prepare("SELECT model, quality, non_answer FROM judge_verdicts WHERE project = ?1").bind(project).all();
    expect(rows.results).toEqual([{ model: "fake-judge", quality: 0.66, non_answer: 0 }]);
  });

  it("keeps the heuristic's quality when the judge's answer is malformed, and stores no verdict", async () => {
    const ns = "judge-malformed";
    await setMode(ns, "malformed");
    const on = judgeEnv(ns);
    const project = "llm-judge-malformed";
    const { key } = await createKey(project);
    expect((await postEvents(key, [event("jm-1", { query: "Why does journald fill the disk?", response: GOOD })])).status).toBe(202);
    const before = await eventually(() => scoreOf(key, "jm-1", on));
    expect(await deliver(on, [judgeMessage(project, ["jm-1"])])).toEqual({ acked: 1, retried: 0 });
    expect(await callsOf(ns)).toBe(1);
    const after = (await scoreOf(key, "jm-1", on))!;
    expect(after.quality_source).toBe("heuristic");
    expect(after.components.quality).toBe(before.components.quality);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM judge_verdicts WHERE project = ?1").bind(project).first("n")).toBe(0);

    // A well-formed JSON object of the wrong shape is malformed too.
    await setMode(ns, "ok"); // answers the extractor's pattern object
    expect(await deliver(on, [judgeMessage(project, ["jm-1"])])).toEqual({ acked: 1, retried: 0 });
    expect((await scoreOf(key, "jm-1", on))!.quality_source).toBe("heuristic");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM judge_verdicts WHERE project = ?1").bind(project).first("n")).toBe(0);
  });

  it("makes an event the LLM calls a non-answer not high value", async () => {
    const ns = "judge-non-answer";
    await setMode(ns, "judge");
    const on = judgeEnv(ns);
    const project = "llm-judge-non-answer";
    const { key } = await createKey(project);
    const e = event("jn-1", { query: "Why does journald fill the disk?", response: `${GOOD} judge-non-answer`, outcome: "success", feedback: 1 });
    expect((await postEvents(key, [e])).status).toBe(202);
    const before = await eventually(() => scoreOf(key, "jn-1", on));
    expect(before).toMatchObject({ non_answer: false, high_value: true, quality_source: "heuristic" });
    expect(await deliver(on, [judgeMessage(project, ["jn-1"])])).toEqual({ acked: 1, retried: 0 });
    expect(await scoreOf(key, "jn-1", on)).toMatchObject({
      non_answer: true,
      high_value: false,
      quality_source: "llm",
      judge_reason: "fake judge: no answer",
      components: { quality: 0.05 },
    });
  });

  // Last: it opens the judge's breaker.
  it("retries while the judge is down, keeping the heuristic's quality, and judges once it is back", async () => {
    const ns = "judge-down";
    await setMode(ns, "down");
    // A long half-open wait, so the open breaker cannot time out between the checks below on a slow machine;
    // the test moves its opening back when it wants the probe.
    const halfOpenSeconds = 60;
    const on = { ...judgeEnv(ns), BREAKER_HALF_OPEN_SECONDS: String(halfOpenSeconds) } as Cloudflare.Env;
    const project = "llm-judge-down";
    const { key } = await createKey(project);
    expect((await postEvents(key, [event("jd-1", { query: "Why does journald fill the disk?", response: `${GOOD} judge-quality=0.33` })])).status).toBe(202);
    const before = await eventually(() => scoreOf(key, "jd-1", on));
    expect(await deliver(on, [judgeMessage(project, ["jd-1"])])).toEqual({ acked: 0, retried: 1 });
    expect(await deliver(on, [judgeMessage(project, ["jd-1"])])).toEqual({ acked: 0, retried: 1 });
    const breaker = await env.DB.prepare("SELECT state FROM breakers WHERE dependency = 'judge'").first("state");
    expect(breaker).toBe("open");
    // Open: the next try does not even call the judge.
    const calls = await callsOf(ns);
    expect(await deliver(on, [judgeMessage(project, ["jd-1"])])).toEqual({ acked: 0, retried: 1 });
    expect(await callsOf(ns)).toBe(calls);
    const meanwhile = (await scoreOf(key, "jd-1", on))!;
    expect(meanwhile.quality_source).toBe("heuristic");
    expect(meanwhile.components.quality).toBe(before.components.quality);

    await setMode(ns, "judge");
    // Let the half-open wait pass by moving the opening back, not by sleeping: the next redelivery probes, and the verdict is used.
    await env.DB.prepare("UPDATE breakers SET opened_at = opened_at - ?1 WHERE dependency = 'judge'")
      .bind(halfOpenSeconds * 1000)
      .run();
    await eventually(async () => ((await deliver(on, [judgeMessage(project, ["jd-1"])])).acked === 1 ? true : undefined), 5000);
    expect(await scoreOf(key, "jd-1", on)).toMatchObject({ quality_source: "llm", components: { quality: 0.33 }, reason: "judge" });
  });
});

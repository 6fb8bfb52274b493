import { describe, expect, it } from "vitest";
import { adminHeaders, call, createKey, event, eventually, postEvents } from "./helpers";

/* The answer-quality component in scores: a non-answer is never high value, whatever its outcome. */

type Score = { value: number | null; high_value: boolean; non_answer: boolean; quality_hits: { rule: string }[]; components: { quality: number | null } };

async function scoreOf(key: string, id: string): Promise<Score> {
  return eventually(async () => {
    const r = await call(`/v1/events/${encodeURIComponent(id)}/score`, { headers: { Authorization: `Bearer ${key}` } });
    return r.status === 200 ? r.json<Score>() : undefined;
  });
}

describe("the quality component", () => {
  it("marks refusals and non-answers with outcome success as not high value", async () => {
    const { key } = await createKey("quality-scoring-a");
    const answers = {
      "q-unsure": "I am not sure.",
      "q-cannot": "I’m sorry, but I can’t help with that.",
      "q-empty": "   ",
      "q-trace": "Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\nKeyError: 'x'",
    };
    await postEvents(
      key,
      Object.entries(answers).map(([id, response]) => event(id, { query: "Why does journald fill the disk?", response, outcome: "success", feedback: 1 })),
    );
    for (const id of Object.keys(answers)) {
      const s = await scoreOf(key, id);
      expect(s.non_answer, id).toBe(true);
      expect(s.high_value, id).toBe(false);
      expect(s.components.quality, id).toBeLessThan(0.2);
      expect(s.quality_hits.length, id).toBeGreaterThan(0);
    }
  });

  it("gives a substantive answer a quality and lets it be high value", async () => {
    const { key } = await createKey("quality-scoring-b");
    const response =
      "Set SystemMaxUse=500M in /etc/systemd/journald.conf, then run `systemctl restart systemd-journald` and " +
      "`journalctl --vacuum-size=500M` to trim what is already stored.";
    await postEvents(key, [event("q-good", { query: "Why does journald fill the disk?", response, outcome: "success", feedback: 1 })]);
    const s = await scoreOf(key, "q-good");
    expect(s.non_answer).toBe(false);
    expect(s.components.quality).toBeGreaterThan(0.6);
    expect(s.high_value).toBe(true);
  });

  it("makes no pattern of a refusal", async () => {
    const { key } = await createKey("quality-scoring-c");
    await postEvents(key, [event("q-refuse", { query: "How do I rotate nginx logs?", response: "I can't help with that.", outcome: "success", feedback: 1 })]);
    await scoreOf(key, "q-refuse");
    const run = await call("/v1/admin/jobs/patterns/run", {
      method: "POST",
      headers: { ...adminHeaders(), "Content-Type": "application/json" },
      body: "{}",
    });
    expect(run.status).toBe(200);
    const search = await call("/v1/patterns/search", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ q: "rotate nginx logs", k: 10 }),
    });
    expect(search.status).toBe(200);
    expect((await search.json<{ results: unknown[] }>()).results).toEqual([]);
  });
});

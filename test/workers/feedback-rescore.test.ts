import { describe, expect, it } from "vitest";
import { adminHeaders, call, createKey, event, eventually, postEvents, strandChunk } from "./helpers";

/*
 * Feedback re-scores its events within seconds, with no job run: the feedback route sends a
 * `rescore` message to the consumer that owns scoring, which waits for an event's first score.
 */

type Score = { value: number | null; reason: string; components: { feedback: number | null } };

async function score(key: string, id: string): Promise<Score | undefined> {
  const r = await call(`/v1/events/${encodeURIComponent(id)}/score`, { headers: { Authorization: `Bearer ${key}` } });
  return r.status === 200 ? r.json<Score>() : undefined;
}

function feedback(key: string, body: Record<string, unknown>) {
  return call("/v1/feedback", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

describe("feedback re-scores its event in seconds", () => {
  it("changes the feedback component and the value of a scored event without any job run", async () => {
    const { key } = await createKey("feedback-rescore-a");
    await postEvents(key, [event("fr-1", { outcome: "partial" })]);
    const first = await eventually(() => score(key, "fr-1"));
    expect(first.components.feedback).toBeNull();
    const r = await feedback(key, { event_id: "fr-1", rating: 1 });
    expect(await r.json()).toMatchObject({ status: "accepted", matched_events: 1 });
    const after = await eventually(async () => {
      const s = await score(key, "fr-1");
      return s?.components.feedback === 1 ? s : undefined;
    }, 5_000);
    expect(after.reason).toBe("feedback");
    expect(after.value).toBeGreaterThan(first.value ?? 0);
  });

  it("re-scores every event of an interaction named by interaction_id", async () => {
    const { key } = await createKey("feedback-rescore-b");
    await postEvents(key, [event("fr-2", { interaction_id: "int-7" }), event("fr-3", { interaction_id: "int-7", query: "Another step" })]);
    await eventually(() => score(key, "fr-3"));
    await feedback(key, { interaction_id: "int-7", rating: -1 });
    for (const id of ["fr-2", "fr-3"]) {
      await eventually(async () => ((await score(key, id))?.components.feedback === 0 ? true : undefined), 5_000);
    }
  });

  it("feedback that arrives before the first score waits for it, so the first score cannot overwrite it", async () => {
    const project = "feedback-rescore-c";
    const { key } = await createKey(project);
    // The event is stored but not yet scored (its chunk has no queue message yet).
    await strandChunk(project, "stranded-fr", ["fr-4"]);
    const r = await feedback(key, { event_id: "fr-4", rating: 1 });
    expect(await r.json()).toMatchObject({ matched_events: 1 });
    expect(await score(key, "fr-4")).toBeUndefined();
    // Now the chunk is scored; the re-score message, which waited for it, follows.
    const relay = await call("/v1/admin/jobs/relay/run", {
      method: "POST",
      headers: { ...adminHeaders(), "Content-Type": "application/json" },
      body: '{"older_than_seconds": 0}',
    });
    expect(relay.status).toBe(200);
    const final = await eventually(async () => {
      const s = await score(key, "fr-4");
      return s?.reason === "feedback" ? s : undefined;
    });
    expect(final.components.feedback).toBe(1);
    expect(final.value).not.toBeNull();
  });

  it("keeps early feedback (before its event exists) for the event's first score", async () => {
    const { key } = await createKey("feedback-rescore-d");
    expect(await (await feedback(key, { event_id: "fr-5", rating: 1 })).json()).toMatchObject({ matched_events: 0 });
    await postEvents(key, [event("fr-5")]);
    const s = await eventually(() => score(key, "fr-5"));
    expect(s.components.feedback).toBe(1);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call, createKey, event, eventually, postEvents } from "./helpers";

/*
 * An event's score must not depend on how events were batched: the earlier events of its own
 * chunk are its neighbours, as the stored events of earlier requests are.
 */

const QUESTIONS = [
  "How do I rotate nginx logs daily?",
  "How can I rotate nginx logs daily?",
  "How do I rotate nginx logs weekly?",
  "How do I rotate the nginx access logs daily?",
  "Why does journald fill the disk?",
  "Why does journald fill my disk?",
  "What is the capital of France?",
];

type Components = Record<string, number | null>;

let run = 0;

async function scoreOf(key: string, id: string): Promise<Components> {
  return eventually(async () => {
    const r = await call(`/v1/events/${id}/score`, { headers: { Authorization: `Bearer ${key}` } });
    return r.status === 200 ? (await r.json<{ components: Components }>()).components : undefined;
  });
}

/** Sends the questions as events in batches of the given sizes (each batch scored before the next is sent) and returns every event's components. */
async function scoreInBatches(questions: readonly string[], sizes: readonly number[]): Promise<Components[]> {
  const { key } = await createKey(`order-free-${run++}`);
  const events = questions.map((q, i) => event(`ev-${i}`, { query: q, response: `Answer ${i}: edit /etc/logrotate.d and reload.` }));
  let at = 0;
  let s = 0;
  while (at < events.length) {
    const size = Math.max(1, sizes[s++ % Math.max(1, sizes.length)] ?? 1);
    const batch = events.slice(at, at + size);
    expect((await postEvents(key, batch)).status).toBe(202);
    for (const e of batch) await scoreOf(key, e.id);
    at += size;
  }
  return Promise.all(events.map((e) => scoreOf(key, e.id)));
}

function expectSameComponents(a: Components[], b: Components[]) {
  expect(a.length).toBe(b.length);
  a.forEach((components, i) => {
    for (const [name, value] of Object.entries(components)) {
      const other = b[i]?.[name];
      if (value === null) expect(other, `event ${i} ${name}`).toBeNull();
      else expect(other, `event ${i} ${name}`).toBeCloseTo(value, 5);
    }
  });
}

describe("order-free scoring", () => {
  it("gives three near-identical questions the same components in one request as one per request", async () => {
    const three = QUESTIONS.slice(0, 3);
    const alone = await scoreInBatches(three, [1]);
    const together = await scoreInBatches(three, [3]);
    expectSameComponents(alone, together);
    // The reproduction: the 2nd and 3rd are not novel, whichever way they came.
    expect(together[1]?.novelty).toBeLessThan(0.5);
    expect(together[2]?.reusability).toBeGreaterThan(0);
  });

  it("gives every event the same components under any batching (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...QUESTIONS), { minLength: 2, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        async (questions, sizes) => {
          const alone = await scoreInBatches(questions, [1]);
          const batched = await scoreInBatches(questions, sizes);
          expectSameComponents(alone, batched);
        },
      ),
      { numRuns: 8 },
    );
  }, 120_000);
});

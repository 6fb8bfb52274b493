import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { GleanerError, type Outcome as SdkOutcome, type Rating as SdkRating } from "../../sdk/src/index";
import type { Outcome, Rating } from "../../src/domain/event-schema";
import { clientFor, countingRefusals, event, FakeGleaner, until } from "./sdk-helpers";

let fake: FakeGleaner;
beforeEach(async () => {
  fake = await FakeGleaner.start();
});
afterEach(() => fake.close());

describe("client.feedback()", () => {
  it("takes the server's ratings and outcomes (the package cannot import the server's schema: typecheck compares them)", () => {
    expectTypeOf<SdkRating>().toEqualTypeOf<Rating>();
    expectTypeOf<SdkOutcome>().toEqualTypeOf<Outcome>();
  });

  it("sends a rating for a tracked event and returns the server's answer", async () => {
    const client = clientFor(fake);
    const id = await client.track(event(1));
    const answer = await client.feedback({ event_id: id, rating: 1, comment: "spot on" });
    expect(answer).toMatchObject({ status: "accepted" });
    expect(fake.feedback).toEqual([{ id: answer.id, event_id: id, rating: 1, comment: "spot on" }]);
    await client.close();
  });

  it("is idempotent by id: a resend is answered duplicate", async () => {
    const client = clientFor(fake);
    await client.feedback({ id: "fb-1", interaction_id: "int-1", rating: -1, outcome: "failure" });
    expect(await client.feedback({ id: "fb-1", interaction_id: "int-1", rating: -1, outcome: "failure" })).toMatchObject({
      id: "fb-1",
      status: "duplicate",
    });
    expect(fake.feedback).toHaveLength(1);
    await client.close();
  });

  it("retries transient failures", async () => {
    const refusals = countingRefusals();
    const client = clientFor(fake, { fetch: refusals.fetch });
    await fake.stop();
    const sent = client.feedback({ event_id: "e1", rating: 0 });
    // Bring the server back once the client has met the outage and tried again.
    await until(() => refusals.count >= 2);
    await fake.restart();
    expect(await sent).toMatchObject({ status: "accepted" });
    await client.close();
  });

  it("surfaces a refusal with the field and reason, and checks the one-id rule before sending", async () => {
    const client = clientFor(fake);
    const refused = await client.feedback({ event_id: "e1", rating: 5 as never }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GleanerError);
    expect(refused).toMatchObject({ status: 400, code: "validation_failed", details: { errors: [{ path: "rating" }] } });
    await expect(client.feedback({ event_id: "a", interaction_id: "b", rating: 1 } as never)).rejects.toThrow(/exactly one/);
    expect(fake.requests.filter((r) => r.path === "/v1/feedback")).toHaveLength(1);
    await client.close();
  });
});

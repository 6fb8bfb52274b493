import { describe, expect, it } from "vitest";
import { MAX_DISCARDED_BODY_BYTES } from "../../src/routes/drain-body";
import { createKey, startProcess, tempDataDir } from "./gleaner-process";

/** Status of each of `times` sends, or the code of the failure when no answer came (ECONNRESET …). */
async function outcomes(times: number, send: () => Promise<Response>): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < times; i++) {
    let outcome: string;
    try {
      const res = await send();
      await res.text();
      outcome = String(res.status);
    } catch (e) {
      outcome = String(((e as Error).cause as { code?: string } | undefined)?.code ?? (e as Error).message);
    }
    seen[outcome] = (seen[outcome] ?? 0) + 1;
  }
  return seen;
}

// Over a real socket only: inside the test runtime's SELF.fetch there is no connection to reset.
describe("a request answered before its body was read, over a real connection", () => {
  it("gets its answer (401, 413), not a reset, for bodies of a few MB sent with or without a length", async () => {
    const gleaner = await startProcess(tempDataDir());
    const key = await createKey(gleaner.base, "unread");
    const url = `${gleaner.base}/v1/events`;
    const json = { "Content-Type": "application/json" };
    // Under the body limit (5 MiB) but refused before it is read: no key.
    const unauthenticated = "x".repeat(4_000_000);
    expect(await outcomes(8, () => fetch(url, { method: "POST", headers: json, body: unauthenticated }))).toEqual({ "401": 8 });
    // Over the limit: refused by its Content-Length, and while streaming when it has none.
    const tooLarge = "x".repeat(6_000_000);
    const withKey = { ...json, Authorization: `Bearer ${key}` };
    expect(await outcomes(6, () => fetch(url, { method: "POST", headers: withKey, body: tooLarge }))).toEqual({ "413": 6 });
    const chunked = () => fetch(url, { method: "POST", headers: withKey, body: new Blob([tooLarge]).stream(), duplex: "half" } as RequestInit);
    expect(await outcomes(6, chunked)).toEqual({ "413": 6 });
    expect(tooLarge.length).toBeLessThan(MAX_DISCARDED_BODY_BYTES);
    // The connection stays usable: the next request on it is answered.
    expect((await fetch(`${gleaner.base}/healthz`)).status).toBe(200);
  }, 120_000);
});

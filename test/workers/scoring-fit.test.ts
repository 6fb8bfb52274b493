import { beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, call, createKey, event, eventually, getEvent, postEvents } from "./helpers";

let key: string;

beforeAll(async () => {
  key = (await createKey("fit-tests")).key;
});

describe("fitted weights", () => {
  it("refuses to fit without enough feedback", async () => {
    const res = await call("/v1/admin/scoring/profiles/default/fit", { method: "POST", headers: adminHeaders() });
    expect(res.status).toBe(422);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("not_enough_feedback");
  });

  it("fits weights that predict held-out feedback, reports both errors, and adopts only on request", async () => {
    // Feedback follows the outcome; novelty and complexity carry no signal.
    const events = Array.from({ length: 60 }, (_, i) =>
      event(`fit-${i}`, {
        outcome: i % 2 === 0 ? "success" : "failure",
        feedback: i % 2 === 0 ? 1 : -1,
        query: `unrelated question ${i} ${"x".repeat(i * 13)}`,
      }),
    );
    expect((await postEvents(key, events)).status).toBe(202);
    await eventually(async () => ((await (await getEvent(key, "fit-59")).json<{ status: string }>()).status === "processed" ? true : undefined));

    const fit = await call("/v1/admin/scoring/profiles/default/fit", { method: "POST", headers: adminHeaders() });
    expect(fit.status).toBe(200);
    const report = await fit.json<{
      configured: { version: number; weights: Record<string, number> };
      fitted: { weights: Record<string, number>; train: number; test: number; mse_fitted: number; mse_configured: number };
    }>();
    expect(report.fitted.train + report.fitted.test).toBe(60);
    expect(report.fitted.test).toBeGreaterThan(0);
    expect(report.fitted.mse_fitted).toBeLessThan(report.fitted.mse_configured);
    expect(report.fitted.weights.outcome!).toBeGreaterThan(report.fitted.weights.novelty!);
    // Fitting alone adopts nothing.
    const profiles = await (await call("/v1/admin/scoring/profiles", { headers: adminHeaders() })).json<{ current: { name: string; version: number }[] }>();
    expect(profiles.current.find((p) => p.name === "default")!.version).toBe(2);

    const adopt = await call("/v1/admin/scoring/profiles/default/adopt-fit", { method: "POST", headers: adminHeaders() });
    expect(adopt.status).toBe(201);
    const adopted = await adopt.json<{ version: number; weights: Record<string, number> }>();
    expect(adopted.version).toBe(3);
    expect(adopted.weights).toEqual(report.fitted.weights);
  });
});

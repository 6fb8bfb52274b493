import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { findDataset } from "../../src/adapters/dataset-store";
import { snapshotRedactions } from "../../src/pipeline/snapshots";
import { call, createKey } from "./helpers";

/** Two projects, one name a prefix of the other: neither may see the other's counts. */
const A = "manifest-a";
const B = "manifest-a-2";
const keys: Record<string, string> = {};
const auth = (project: string) => ({ Authorization: `Bearer ${keys[project]}`, "Content-Type": "application/json" });

async function feedback(project: string, eventId: string, comment: string) {
  const res = await call("/v1/feedback", { method: "POST", headers: auth(project), body: JSON.stringify({ event_id: eventId, rating: 1, comment }) });
  expect(res.status).toBe(202);
}

async function snapshot(project: string) {
  expect((await call("/v1/datasets/default", { method: "PUT", headers: auth(project), body: "{}" })).status).toBe(200);
  expect((await call("/v1/datasets/default/snapshots", { method: "POST", headers: auth(project) })).status).toBe(201);
}

beforeAll(async () => {
  for (const p of [A, B]) keys[p] = (await createKey(p)).key;
  await feedback(A, "m-1", "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123");
  await feedback(B, "m-2", `keys: ghp_${"Q".repeat(36)} and sk-a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuV`);
  await feedback(B, "m-3", "password=hunter22");
  // A row from before the counter had a project label: no project's.
  await env.DB.prepare("INSERT INTO counters (name, labels, value) VALUES ('redactions_total', 'kind=\"private_key\"', 7)").run();
  await snapshot(A);
  await snapshot(B);
});

describe("GET /v1/datasets/{name}/snapshots/{version}/manifest", () => {
  it("counts only the dataset's own project's redactions (pipeline)", async () => {
    expect(await snapshotRedactions(env.DB, (await findDataset(env.DB, A, "default"))!)).toEqual({ bearer_token: 1 });
    expect(await snapshotRedactions(env.DB, (await findDataset(env.DB, B, "default"))!)).toEqual({ api_key: 2, password: 1 });
  });

  it("reports only the dataset's own project's redactions (route)", async () => {
    const manifest = async (project: string) =>
      (await (await call("/v1/datasets/default/snapshots/1/manifest", { headers: auth(project) })).json<{ redactions: Record<string, number> }>()).redactions;
    expect(await manifest(A)).toEqual({ bearer_token: 1 });
    expect(await manifest(B)).toEqual({ api_key: 2, password: 1 });
  });
});

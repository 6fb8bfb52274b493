import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { adminHeaders, call, createKey, event, postEvents } from "./helpers";

describe("admin: project keys", () => {
  it("creates a key shown once, which then authenticates ingest", async () => {
    const res = await call("/v1/admin/projects/keys-tests/keys", { method: "POST", headers: adminHeaders() });
    expect(res.status).toBe(201);
    const body = await res.json<{ id: string; key: string }>();
    expect(body.key).toMatch(/^glk_[a-z0-9]{16}_/);
    expect((await postEvents(body.key, [event("k-1")])).status).toBe(202);
  });

  it("rejects a bad project name, naming the field", async () => {
    const res = await call("/v1/admin/projects/Bad%20Name!/keys", { method: "POST", headers: adminHeaders() });
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { details: { errors: { path: string }[] } } }>();
    expect(body.error.details.errors[0]!.path).toBe("project");
  });

  it("refuses admin routes without the admin token (401) and with a project key (403)", async () => {
    expect((await call("/v1/admin/projects/p/keys", { method: "POST" })).status).toBe(401);
    expect((await call("/v1/admin/projects/p/keys", { method: "POST", headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
    const { key } = await createKey("keys-tests");
    const res = await call("/v1/admin/projects/p/keys", { method: "POST", headers: { Authorization: `Bearer ${key}` } });
    expect(res.status).toBe(403);
  });

  it("revokes a key; revoking it again is 404", async () => {
    const { id } = await createKey("keys-tests");
    expect((await call(`/v1/admin/keys/${id}`, { method: "DELETE", headers: adminHeaders() })).status).toBe(200);
    expect((await call(`/v1/admin/keys/${id}`, { method: "DELETE", headers: adminHeaders() })).status).toBe(404);
  });

  it("answers unknown routes with the JSON error shape", async () => {
    const res = await call("/nowhere");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "no route for GET /nowhere", details: null } });
  });
});

/** What a bad body got: never a 5xx; a 400 whose details name `field` when given. */
async function expectRefused(path: string, method: string, body: string, field?: string, status = 400) {
  const res = await call(path, { method, headers: adminHeaders(), body });
  const text = await res.text();
  expect(res.status, `${method} ${path} ${body}: ${text}`).toBe(status);
  if (field !== undefined) {
    const paths = (JSON.parse(text) as { error: { details: { errors: { path: string }[] } } }).error.details.errors.map((e) => e.path);
    expect(paths, `${method} ${path} ${body}`).toContain(field);
  }
}

/** Bodies every admin route refuses: not JSON, not an object, -Infinity and friends for each number field. */
const NOT_JSON = ["{", "NaN", '{"a":1,}', "'single'"];
const numberAbuse = (field: string) => [
  `{"${field}": -1e309}`,
  `{"${field}": 1e309}`,
  `{"${field}": 1e300}`,
  `{"${field}": "7"}`,
  `{"${field}": null}`,
  `{"${field}": 1.5}`,
];

describe("admin bodies: bad input is a 400 naming the field, never a 5xx", () => {
  it("POST /v1/admin/jobs/{name}/run refuses -1e309 (JSON.parse reads -Infinity) and every out-of-range parameter", async () => {
    await expectRefused("/v1/admin/jobs/relay/run", "POST", '{"older_than_seconds": -1e309}', "older_than_seconds");
    for (const job of ["relay", "patterns"]) {
      for (const body of [
        ...numberAbuse("older_than_seconds"),
        '{"older_than_seconds": -1}',
        '{"older_than_seconds": 400000000}',
        '{"older_than_seconds": "NaN"}',
      ]) {
        await expectRefused(`/v1/admin/jobs/${job}/run`, "POST", body, "older_than_seconds");
      }
    }
    for (const body of [...numberAbuse("now"), '{"now": -1}', '{"now": 9e15}']) await expectRefused("/v1/admin/jobs/lifecycle/run", "POST", body, "now");
    for (const job of ["relay", "scoring", "patterns", "datasets", "lifecycle"]) {
      await expectRefused(`/v1/admin/jobs/${job}/run`, "POST", '{"unknown_parameter": 1}', "unknown_parameter");
      for (const body of ["[]", "null", '"text"', "42", ...NOT_JSON]) await expectRefused(`/v1/admin/jobs/${job}/run`, "POST", body);
    }
    const runs = await env.DB.prepare("SELECT coalesce(sum(runs), 0) AS n FROM job_runs").first<{ n: number }>();
    await expectRefused("/v1/admin/jobs/relay/run", "POST", '{"older_than_seconds": -1e309}', "older_than_seconds");
    expect(await env.DB.prepare("SELECT coalesce(sum(runs), 0) AS n FROM job_runs").first<{ n: number }>(), "a refused body runs nothing").toEqual(runs);
    const ok = await call("/v1/admin/jobs/relay/run", { method: "POST", headers: adminHeaders(), body: '{"older_than_seconds": 315360000}' });
    expect(ok.status, "ten years is in range").toBe(200);
  });

  it("keys: a JSON body is ignored, one that is not JSON is a 400, a bad project or id a 4xx", async () => {
    const created = await call("/v1/admin/projects/bodies-tests/keys", { method: "POST", headers: adminHeaders(), body: '{"project": -1e309}' });
    expect(created.status).toBe(201);
    for (const body of NOT_JSON) await expectRefused("/v1/admin/projects/bodies-tests/keys", "POST", body);
    await expectRefused(`/v1/admin/projects/${"x".repeat(64)}/keys`, "POST", "", "project");
    await expectRefused(`/v1/admin/keys/${"x".repeat(5000)}`, "DELETE", '{"id": -1e309}', undefined, 404);
  });

  it("scoring profiles and rules", async () => {
    const path = "/v1/admin/scoring/profiles/bodies_profile/versions";
    const weights = (outcome: string) => `{"weights": {"outcome": ${outcome}, "feedback": 1, "reusability": 0, "complexity": 0, "novelty": 0}}`;
    for (const outcome of ["-1e309", "1e309", '"1"', "null", "-1"]) await expectRefused(path, "POST", weights(outcome), "weights.outcome");
    await expectRefused(path, "POST", '{"weights": {"outcome": 0, "feedback": 0, "reusability": 0, "complexity": 0, "novelty": 0}}', "weights");
    await expectRefused(path, "POST", `{"weights": {"outcome": 1, "feedback": 1, "reusability": 0, "complexity": 0, "novelty": 0}, "note": -1e309}`, "note");
    await expectRefused(
      path,
      "POST",
      `{"weights": {"outcome": 1, "feedback": 1, "reusability": 0, "complexity": 0, "novelty": 0}, "note": "${"n".repeat(501)}"}`,
      "note",
    );
    for (const body of ["{}", "[]", '{"weights": -1e309}', ...NOT_JSON]) await expectRefused(path, "POST", body);

    const rules = "/v1/admin/scoring/rules";
    await expectRefused(rules, "PUT", '{"rules": -1e309}', "rules");
    await expectRefused(rules, "PUT", '{"rules": [{"profile": -1e309, "type": "x"}]}', "rules.0.profile");
    await expectRefused(rules, "PUT", '{"rules": [{"profile": "default"}]}', "rules.0");
    await expectRefused(rules, "PUT", `{"rules": [${Array(201).fill('{"profile": "default", "type": "x"}').join(",")}]}`, "rules");
    await expectRefused(rules, "PUT", '{"rules": [{"profile": "no_such_profile", "type": "x"}]}');
    for (const body of ["{}", "[]", ...NOT_JSON]) await expectRefused(rules, "PUT", body);
  });

  it("retention policies", async () => {
    const path = "/v1/admin/projects/bodies-tests/retention";
    const policy = (raw: string) => `{"raw_events_days": ${raw}, "processed_days": 90, "dead_letters_days": 30, "archives_days": 365}`;
    for (const raw of ["-1e309", "1e309", "1e300", '"7"', "null", "1.5", "0", "36501"]) await expectRefused(path, "PUT", policy(raw), "raw_events_days");
    await expectRefused(path, "PUT", '{"raw_events_days": 7}', "processed_days");
    for (const body of ["[]", ...NOT_JSON]) await expectRefused(path, "PUT", body);
  });

  it("archive restore: only an archive key, at most 1024 bytes; an object that is not one is a 422", async () => {
    const path = "/v1/admin/archives/restore";
    for (const key of [
      "-1e309",
      "1e309",
      "null",
      '""',
      '"archives/x.ndjson.gz.manifest.json"',
      '"elsewhere.ndjson.gz"',
      `"archives/${"é".repeat(600)}.ndjson.gz"`,
    ]) {
      await expectRefused(path, "POST", `{"key": ${key}}`, "key");
    }
    for (const body of ["{}", "[]", ...NOT_JSON]) await expectRefused(path, "POST", body);
    await env.ARCHIVE.put("archives/bodies-tests/not-events.ndjson.gz", await gzip('{"no": "event"}\nnot json\n'));
    await expectRefused(path, "POST", '{"key": "archives/bodies-tests/not-events.ndjson.gz"}', undefined, 422);
    await env.ARCHIVE.put("archives/bodies-tests/not-gzip.ndjson.gz", "plain text");
    await expectRefused(path, "POST", '{"key": "archives/bodies-tests/not-gzip.ndjson.gz"}', undefined, 422);
  });

  it("dead letters: purge needs a reason string, replay reads no body", async () => {
    await env.DB.prepare(
      "INSERT INTO dead_letters (id, queue, body, reason, attempts, created_at) VALUES ('bodies-dl', 'gleaner-telemetry', '\"x\"', 'malformed', 1, 0)",
    ).run();
    for (const reason of ["-1e309", "1e309", "null", '"ab"', `"${"r".repeat(501)}"`]) {
      await expectRefused("/v1/admin/dead-letters/bodies-dl", "DELETE", `{"reason": ${reason}}`, "reason");
    }
    for (const body of ["{}", "[]", ...NOT_JSON]) await expectRefused("/v1/admin/dead-letters/bodies-dl", "DELETE", body);
    const replay = await call("/v1/admin/dead-letters/bodies-dl/replay", { method: "POST", headers: adminHeaders(), body: '{"x": -1e309}' });
    expect(replay.status, "malformed, so not replayable").toBe(409);
    await expectRefused("/v1/admin/dead-letters?limit=1e309", "GET", undefined as never, "limit");
  });
});

async function gzip(text: string): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
}

import { validate } from "@hyperjump/json-schema/openapi-3-1";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { PROXIED_OPERATIONS } from "../../src/domain/proxy-upstreams";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { OpenApiDocument } from "../../src/openapi/document";
import { exampleProblems } from "../../src/openapi/examples";
import { json } from "../../src/openapi/route-kit";
import { errorSchema } from "../../src/openapi/shared";
import { adminHeaders, call, createKey, event, eventually, postEvents } from "./helpers";

const OAS_31_SCHEMA = "https://spec.openapis.org/oas/3.1/schema-base";

/** Pages and their assets, not API: the dashboard and this reference's script and stylesheet. */
const NOT_API = new Set(["GET /", "GET /ui/app.js", "GET /ui/app.css", "GET /ui/icon.svg", "GET /docs/app.js", "GET /docs/app.css"]);

/** A parameter whose pattern spans segments is documented once per value the handler accepts. */
const MULTI_SEGMENT: Record<string, readonly string[]> = {
  "/v1/proxy/{upstream}/{op}": PROXIED_OPERATIONS.map((op) => `/v1/proxy/{upstream}/${op}`),
};

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Hono's `:param` and `:param{regex}` as OpenAPI's `{param}`. */
function toTemplate(path: string): string {
  return path.replace(/:(\w+)(\{(?:[^{}]|\{[^{}]*\})*\})?/g, "{$1}");
}

/** Every "METHOD /path" the app serves, middleware entries left out. */
function servedRoutes(routes: readonly { method: string; path: string }[]): Set<string> {
  const served = new Set<string>();
  for (const { method, path } of routes) {
    if (method === "ALL" || path.endsWith("*")) continue;
    const template = toTemplate(path);
    for (const p of MULTI_SEGMENT[template] ?? [template]) served.add(`${method} ${p}`);
  }
  return served;
}

function documentedRoutes(doc: OpenApiDocument): Set<string> {
  return new Set(
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => HTTP_METHODS.includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    ),
  );
}

/** Routes the document lacks, and documented routes the app does not serve. */
function routeDrift(routes: readonly { method: string; path: string }[], doc: OpenApiDocument) {
  const served = [...servedRoutes(routes)].filter((r) => !NOT_API.has(r));
  const documented = documentedRoutes(doc);
  return {
    undocumented: served.filter((r) => !documented.has(r)).sort(),
    unserved: [...documented].filter((r) => !served.includes(r)).sort(),
  };
}

let doc: OpenApiDocument;
let key: string;

beforeAll(async () => {
  const res = await call("/openapi.json");
  expect(res.status, "GET /openapi.json: is openapiRoutes mounted in src/app.ts?").toBe(200);
  doc = await res.json();
  key = (await createKey("openapi-tests")).key;
});

describe("GET /openapi.json lists every public route", () => {
  it("has an operation for every method and path the app serves, and none it does not", () => {
    const drift = routeDrift(app.routes, doc);
    expect(drift.undocumented).toEqual([]);
    expect(drift.unserved).toEqual([]);
  });

  it("fails when a route is added without documenting it, or a documented one is removed", () => {
    const added = [...app.routes, { method: "GET", path: "/v1/secrets/:id{[0-9]+}" }, { method: "ALL", path: "/v1/secrets/*" }];
    expect(routeDrift(added, doc).undocumented).toEqual(["GET /v1/secrets/{id}"]);
    const removed = app.routes.filter((r) => !(r.method === "GET" && r.path === "/v1/events/:id/score"));
    expect(routeDrift(removed, doc).unserved).toEqual(["GET /v1/events/{id}/score"]);
  });

  it("normalises Hono patterns to OpenAPI templates", () => {
    expect(toTemplate("/v1/datasets/:name/snapshots/:version{[0-9]+}/manifest")).toBe("/v1/datasets/{name}/snapshots/{version}/manifest");
    expect(toTemplate("/v1/datasets/:name/snapshots/:file{[a-z0-9]+\\.jsonl}")).toBe("/v1/datasets/{name}/snapshots/{file}");
    expect(toTemplate("/x/:a{[a-z]{2}}/:b")).toBe("/x/{a}/{b}");
  });
});

describe("the document's examples", () => {
  it("each validates against the zod schema its route validates (or answers) with", () => {
    expect(exampleProblems(app)).toEqual([]);
  });

  it("a wrong example fails the check", () => {
    const broken = new OpenAPIHono();
    const schema = z.strictObject({ at: z.iso.datetime() });
    broken.openapi(
      createRoute({
        method: "get",
        path: "/x",
        responses: { 200: json("x", schema, { ok: { summary: "", value: { at: "2026-01-01T00:00:00Z" } }, bad: { summary: "", value: { at: "soon" } } }) },
      }),
      (c) => c.json({ at: "2026-01-01T00:00:00Z" }, 200),
    );
    expect(exampleProblems(broken)).toEqual([expect.stringMatching(/^GET \/x 200 application\/json example 'bad': at: /)]);
  });

  it("are accepted by the worker itself", async () => {
    const ingest = doc.paths["/v1/events"]!.post!.requestBody!.content;
    for (const [type, media] of Object.entries(ingest)) {
      for (const [name, example] of Object.entries(media.examples ?? {})) {
        const body = typeof example.value === "string" ? example.value : JSON.stringify(example.value);
        const res = await call("/v1/events", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": type }, body });
        expect(res.status, `${type} example '${name}': ${await res.clone().text()}`).toBe(202);
      }
    }
    for (const [name, example] of Object.entries(doc.paths["/v1/feedback"]!.post!.requestBody!.content["application/json"]!.examples ?? {})) {
      const res = await call("/v1/feedback", {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify(example.value),
      });
      expect(res.status, `feedback example '${name}'`).toBe(202);
    }
  });
});

describe("GET /openapi.json is OpenAPI 3.1", () => {
  it("validates against the OpenAPI 3.1 schema (with JSON Schema 2020-12 for every schema in it)", async () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBe("Gleaner");
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["Event", "Feedback", "IngestSummary", "Error", "Score", "PatternSearchResults"]),
    );
    const output = await validate(OAS_31_SCHEMA, doc as never, "BASIC");
    expect(output.valid ? [] : output.errors).toEqual([]);
    expect(output.valid).toBe(true);
  });

  it("the validator rejects a document that is not", async () => {
    const broken = structuredClone(doc) as unknown as Record<string, unknown>;
    delete broken.info;
    expect((await validate(OAS_31_SCHEMA, broken as never)).valid).toBe(false);
    const badSchema = structuredClone(doc);
    badSchema.components.schemas.Event = { type: "object", required: "id" };
    expect((await validate(OAS_31_SCHEMA, badSchema as never)).valid).toBe(false);
  });

  it("resolves every $ref, declares every path parameter, and names a security scheme that exists", () => {
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"([^"]+)"/g)) {
      const target = ref!
        .slice(2)
        .split("/")
        .reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], doc);
      expect(target, ref).toBeDefined();
    }
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(item)) {
        const declared = (op.parameters ?? [])
          .filter((p) => p.in === "path")
          .map((p) => p.name)
          .sort();
        expect(declared, `${method} ${path}`).toEqual(templated);
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        for (const requirement of op.security) for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes).toHaveProperty(scheme);
        if (path.startsWith("/v1/admin")) expect(op.security).toEqual([{ adminToken: [] }]);
        else if (path.startsWith("/v1/")) expect(op.security).toEqual([{ projectKey: [] }]);
      }
    }
  });

  it("is served to any origin as JSON", async () => {
    const res = await call("/openapi.json");
    expect(res.headers.get("Content-Type")).toContain("application/json");
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });
});

describe("GET /docs", () => {
  it("loads, with its assets, from this origin only", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/html");
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:|\*|unsafe-inline|unsafe-eval/);
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toEqual(expect.arrayContaining(["/docs/app.js", "/docs/app.css", "/openapi.json"]));
    for (const ref of refs) {
      expect(ref, "a same-origin path").toMatch(/^\/(?!\/)/);
      expect((await call(ref)).status, ref).toBe(200);
    }
    for (const asset of ["/docs/app.js", "/docs/app.css"]) {
      const text = await (await call(asset)).text();
      expect(text, asset).not.toMatch(/https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}|@import|url\(/i);
    }
    const js = await (await call("/docs/app.js")).text();
    expect(js).toContain('fetch("/openapi.json")');
  });
});

/** The documented schema for an answer: the one its route declares with createRoute. */
function documentedSchema(method: string, path: string, status: number): z.ZodType | undefined {
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== "route" || def.route.method !== method || def.route.path !== path) continue;
    const reply = def.route.responses[status] as { content?: Record<string, { schema?: z.ZodType }> } | undefined;
    if (!reply) throw new Error(`${method} ${path} does not document ${status}`);
    return reply.content?.["application/json"]?.schema;
  }
  throw new Error(`${method} ${path} is not documented`);
}

/** Calls the worker and checks the answer against the document's schema for that operation and status. */
async function expectDocumented(
  method: "get" | "post" | "put" | "delete",
  template: string,
  url: string,
  init: { admin?: boolean; body?: unknown } = {},
  status?: number,
) {
  const headers = init.admin ? adminHeaders() : { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
  const res = await call(url, { method: method.toUpperCase(), headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  if (status !== undefined) expect(res.status, `${method} ${url}: ${text}`).toBe(status);
  const schema = documentedSchema(method, template, res.status);
  const parsed = schema!.safeParse(JSON.parse(text));
  expect(parsed.success ? [] : parsed.error.issues, `${method} ${url} ${res.status}: ${text}`).toEqual([]);
  return JSON.parse(text) as Record<string, unknown>;
}

describe("answers match their documented schemas", () => {
  it("events, scores and feedback", async () => {
    await expectDocumented(
      "post",
      "/v1/events",
      "/v1/events",
      { body: { events: [event("doc-1"), event("doc-2", { tokens_in: 200, tokens_out: 120 })] } },
      202,
    );
    await expectDocumented("post", "/v1/events", "/v1/events", { body: { events: [event("doc-3"), event("doc-bad", { outcome: "nope" })] } }, 207);
    await expectDocumented("post", "/v1/events", "/v1/events", { body: { events: [event("doc-bad", { outcome: "nope" })] } }, 400);
    await expectDocumented("get", "/v1/events/{id}", "/v1/events/doc-1", {}, 200);
    await expectDocumented("get", "/v1/events/{id}", "/v1/events/nothing-here", {}, 404);
    const invalid = await expectDocumented("get", "/v1/events/{id}", `/v1/events/${"x".repeat(201)}`, {}, 400);
    expect(invalid.error).toMatchObject({ code: "validation_failed", details: { errors: [{ path: "id" }] } });
    await expectDocumented("post", "/v1/feedback", "/v1/feedback", { body: { event_id: "doc-1", rating: 1 } }, 202);
    await eventually(async () => ((await call("/v1/events/doc-1/score", { headers: { Authorization: `Bearer ${key}` } })).status === 200 ? true : undefined));
    await expectDocumented("get", "/v1/events/{id}/score", "/v1/events/doc-1/score", {}, 200);
    await expectDocumented("get", "/v1/events/{id}", "/v1/events/doc-1", {}, 200);
  });

  it("patterns, OTLP and datasets", async () => {
    const valuable = event("doc-valuable", { query: "journald fills the disk after a crash loop", feedback: 1, tokens_in: 900, tokens_out: 1400 });
    expect((await postEvents(key, [valuable])).status).toBe(202);
    const auth = { headers: { Authorization: `Bearer ${key}` } };
    const found = await eventually(async () => {
      const body = await (await call("/v1/patterns/search?q=journald+disk+full&k=3", auth)).json<{ results: { id: string }[] }>();
      return body.results[0]?.id;
    }, 15_000);
    await expectDocumented("get", "/v1/patterns/search", "/v1/patterns/search?q=journald+disk+full&k=3", {}, 200);
    await expectDocumented("post", "/v1/patterns/search", "/v1/patterns/search", { body: { q: "journald disk full", filters: { min_value: 0.5 } } }, 200);
    await expectDocumented("get", "/v1/patterns/{id}", `/v1/patterns/${found}`, {}, 200);
    await expectDocumented("get", "/v1/patterns/{id}", "/v1/patterns/pat_missing", {}, 404);
    const otlp = doc.paths["/v1/otlp/v1/traces"]!.post!.requestBody!.content["application/json"]!.examples!.genai!.value;
    await expectDocumented("post", "/v1/otlp/v1/traces", "/v1/otlp/v1/traces", { body: otlp }, 200);

    await expectDocumented("put", "/v1/datasets/{name}", "/v1/datasets/doc-set", { body: { rules: { min_value: 0 } } }, 200);
    await expectDocumented("post", "/v1/admin/jobs/{name}/run", "/v1/admin/jobs/datasets/run", { admin: true }, 200);
    await expectDocumented("get", "/v1/datasets", "/v1/datasets", {}, 200);
    const first = await expectDocumented("post", "/v1/datasets/{name}/snapshots", "/v1/datasets/doc-set/snapshots", {}, 201);
    expect(first.examples).toBeGreaterThan(0);
    await expectDocumented("post", "/v1/datasets/{name}/snapshots", "/v1/datasets/doc-set/snapshots", {}, 201);
    await expectDocumented("get", "/v1/datasets/{name}/snapshots", "/v1/datasets/doc-set/snapshots", {}, 200);
    await expectDocumented("get", "/v1/datasets/{name}/snapshots/{version}/manifest", "/v1/datasets/doc-set/snapshots/2/manifest", {}, 200);
    await expectDocumented("get", "/v1/datasets/{name}/snapshots/{version}/diff", "/v1/datasets/doc-set/snapshots/2/diff", {}, 200);
    await expectDocumented("post", "/v1/datasets/{name}/rollback", "/v1/datasets/doc-set/rollback", { body: { version: 1 } }, 200);
    await expectDocumented("delete", "/v1/datasets/{name}/examples/{hash}", "/v1/datasets/doc-set/examples/nope", {}, 404);
    const jsonl = await call("/v1/datasets/doc-set/snapshots/current.jsonl?format=retrieval", { headers: { Authorization: `Bearer ${key}` } });
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get("Content-Type")).toBe("application/x-ndjson");
    await jsonl.body?.cancel();
  });

  it("admin routes", async () => {
    const admin = { admin: true };
    const created = await expectDocumented("post", "/v1/admin/projects/{project}/keys", "/v1/admin/projects/doc-project/keys", admin, 201);
    await expectDocumented("delete", "/v1/admin/keys/{id}", `/v1/admin/keys/${created.id as string}`, admin, 200);
    await expectDocumented("post", "/v1/admin/jobs/{name}/run", "/v1/admin/jobs/relay/run", { ...admin, body: { older_than_seconds: 0 } }, 200);
    await expectDocumented("post", "/v1/admin/jobs/{name}/run", "/v1/admin/jobs/nope/run", admin, 404);
    await expectDocumented("get", "/v1/admin/overview", "/v1/admin/overview", admin, 200);
    await expectDocumented("get", "/v1/admin/stats", "/v1/admin/stats", admin, 200);
    await expectDocumented("get", "/v1/admin/scoring/profiles", "/v1/admin/scoring/profiles", admin, 200);
    await expectDocumented(
      "post",
      "/v1/admin/scoring/profiles/{name}/versions",
      "/v1/admin/scoring/profiles/doc_profile/versions",
      { ...admin, body: { weights: { outcome: 1, feedback: 1, reusability: 0, complexity: 0, novelty: 0 } } },
      201,
    );
    await expectDocumented("get", "/v1/admin/scoring/rules", "/v1/admin/scoring/rules", admin, 200);
    const rules = (await call("/v1/admin/scoring/rules", { headers: adminHeaders() }).then((r) => r.json())) as { rules: unknown[] };
    await expectDocumented("put", "/v1/admin/scoring/rules", "/v1/admin/scoring/rules", { ...admin, body: rules }, 200);
    await expectDocumented("post", "/v1/admin/scoring/profiles/{name}/fit", "/v1/admin/scoring/profiles/doc_profile/fit", admin, 422);
    await expectDocumented(
      "put",
      "/v1/admin/projects/{project}/retention",
      "/v1/admin/projects/doc-project/retention",
      { ...admin, body: { raw_events_days: 7, processed_days: 90, dead_letters_days: 30, archives_days: 365 } },
      200,
    );
    await expectDocumented("get", "/v1/admin/projects/{project}/retention", "/v1/admin/projects/doc-project/retention", admin, 200);
    await expectDocumented("get", "/v1/admin/archives", "/v1/admin/archives", admin, 200);
    await expectDocumented("post", "/v1/admin/archives/restore", "/v1/admin/archives/restore", { ...admin, body: { key: "archives/none.ndjson.gz" } }, 404);
    await expectDocumented("get", "/v1/admin/dead-letters", "/v1/admin/dead-letters?limit=10", admin, 200);
    await expectDocumented("post", "/v1/admin/dead-letters/{id}/replay", "/v1/admin/dead-letters/none/replay", admin, 404);
    await expectDocumented("get", "/v1/admin/stats", "/v1/admin/stats", {}, 403);
  });

  it("service routes and a missing key", async () => {
    await expectDocumented("get", "/healthz", "/healthz", {}, 200);
    await expectDocumented("get", "/readyz", "/readyz");
    const res = await call("/v1/events/doc-1");
    expect(res.status).toBe(401);
    expect(errorSchema.safeParse(await res.json()).success).toBe(true);
  });
});

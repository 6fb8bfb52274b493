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

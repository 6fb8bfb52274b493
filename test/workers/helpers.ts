import { env, exports } from "cloudflare:workers";

export const BASE = "http://gleaner.test";

export function adminHeaders(): Record<string, string> {
  return { Authorization: `Bearer ${env.GLEANER_ADMIN_TOKEN}`, "Content-Type": "application/json" };
}

/** Calls the worker's own fetch handler, as a producer would over HTTP. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

/** Creates a project key through the admin route. */
export async function createKey(project: string): Promise<{ id: string; key: string }> {
  const res = await call(`/v1/admin/projects/${project}/keys`, { method: "POST", headers: adminHeaders() });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
  return res.json();
}

export function event(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    type: "agent_step_complete",
    source: "test-agent",
    timestamp: "2026-11-01T10:00:00.000Z",
    query: "How do I rotate logs safely?",
    response: "Use copytruncate or reopen the file after rename.",
    outcome: "success",
    ...overrides,
  };
}

export function postEvents(key: string, events: unknown[], extraHeaders: Record<string, string> = {}) {
  return call("/v1/events", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...extraHeaders },
    body: JSON.stringify({ events }),
  });
}

export async function getEvent(key: string, id: string) {
  return call(`/v1/events/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${key}` } });
}

/** The stored event once GET /v1/events/{id} finds it (events the proxy records arrive after its answer). */
export function storedEventOf(key: string, id: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const r = await getEvent(key, id);
    return r.status === 200 ? (await r.json<{ event: Record<string, unknown> }>()).event : undefined;
  });
}

/** Polls until `check` returns a value, for work the real local queue delivers asynchronously. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Writes a chunk straight into the D1 inbox, as ingest would have, without its
 * queue message: what a restart of the in-memory broker leaves behind.
 * `schemaVersion` lets a test store an event this build cannot read.
 */
export async function strandChunk(project: string, batchId: string, eventIds: string[], options: { ageMs?: number; schemaVersion?: number } = {}) {
  const at = Date.now() - (options.ageMs ?? 0);
  await env.DB.batch([
    ...eventIds.map((id) =>
      env.DB.prepare(
        `INSERT INTO events (project, event_id, batch_id, schema_version, type, source, client_timestamp, client_time_ms, received_at, payload)
         VALUES (?1, ?2, ?3, ?4, 't', 's', '2026-01-01T00:00:00Z', 1, ?5, json_object('id', ?2, 'type', 't', 'source', 's', 'timestamp', '2026-01-01T00:00:00Z'))`,
      ).bind(project, id, batchId, options.schemaVersion ?? 1, at),
    ),
    env.DB.prepare("INSERT INTO ingest_batches (batch_id, project, event_count, created_at, enqueued_at) VALUES (?1, ?2, ?3, ?4, ?4)").bind(
      batchId,
      project,
      eventIds.length,
      at,
    ),
  ]);
}

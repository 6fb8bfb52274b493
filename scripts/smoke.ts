export {};

/**
 * Smoke test against a running Gleaner: `BASE_URL=http://127.0.0.1:8787 GLEANER_ADMIN_TOKEN=… npm run smoke`
 * (or GLEANER_KEY=<project key> instead of the admin token). Used by the deploy workflow before promotion.
 * Every request has a timeout; exit 1 on the first failure, with what failed.
 */
const base = process.env.BASE_URL?.replace(/\/+$/, "");
if (!base) {
  console.error("set BASE_URL (for example http://127.0.0.1:8787)");
  process.exit(2);
}
const TIMEOUT_MS = Number(process.env.SMOKE_TIMEOUT_MS ?? 10_000);

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    const value = await run();
    console.log(`ok    ${name} (${Date.now() - started} ms)`);
    return value;
  } catch (err) {
    console.error(`FAIL  ${name}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
}

await step("GET /healthz", async () => {
  const res = await call("/healthz");
  if (res.status !== 200) throw new Error(`status ${res.status}`);
});
await step("GET /readyz is not failing", async () => {
  const body = (await (await call("/readyz")).json()) as { status: string };
  if (body.status === "failing") throw new Error(JSON.stringify(body));
});
const key = await step("a project key", async () => {
  if (process.env.GLEANER_KEY) return process.env.GLEANER_KEY;
  const admin = process.env.GLEANER_ADMIN_TOKEN;
  if (!admin) throw new Error("set GLEANER_KEY or GLEANER_ADMIN_TOKEN");
  const res = await call("/v1/admin/projects/smoke/keys", { method: "POST", headers: { Authorization: `Bearer ${admin}` } });
  if (res.status !== 201) throw new Error(`status ${res.status}`);
  return ((await res.json()) as { key: string }).key;
});
const id = `smoke-${Date.now()}`;
await step("POST /v1/events stores an event", async () => {
  const res = await call("/v1/events", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ events: [{ id, type: "smoke", source: "smoke-test", timestamp: new Date().toISOString() }] }),
  });
  if (res.status !== 202) throw new Error(`status ${res.status}: ${await res.text()}`);
});
await step("GET /v1/events/{id} reads it back", async () => {
  const res = await call(`/v1/events/${id}`, { headers: { Authorization: `Bearer ${key}` } });
  if (res.status !== 200) throw new Error(`status ${res.status}`);
});
console.log("smoke test passed");

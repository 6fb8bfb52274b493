/** The header carrying the per-start secret the control worker checks on every request. */
export const CONTROL_SECRET_HEADER = "X-Gleaner-Runner-Secret";
/** Fires the worker's `scheduled` handler: POST with `?cron=<schedule>`; answers `{ "outcome": "ok" | … }`. */
export const CONTROL_SCHEDULED_PATH = "/__runner/scheduled";
/** Miniflare's socket name for the control worker's own socket (the second worker, default entrypoint). */
export const CONTROL_SOCKET = "direct:1:default";

/**
 * The runner's way into its worker without Miniflare's Node API: a second
 * worker in the same workerd, on its own socket at 127.0.0.1 (a port only the
 * runner learns, never the one Gleaner listens on), bound to Gleaner's worker
 * as GLEANER. Every request must carry the per-start secret (binding
 * RUNNER_SECRET) in CONTROL_SECRET_HEADER, or it gets a 403: another local
 * user finding the port can neither fire a cron nor reach the API through it.
 * CONTROL_SCHEDULED_PATH calls `scheduled()` as a cron trigger would (what
 * `mf.getWorker().scheduled()` did); any other request goes to Gleaner's
 * `fetch` unchanged but for the secret (the start-up relay). Gleaner's public
 * port keeps Miniflare's entry worker with its trigger paths
 * (`/cdn-cgi/handler/scheduled`) off, as before.
 */
export const CONTROL_WORKER = `const HEADER = ${JSON.stringify(CONTROL_SECRET_HEADER)};
const SCHEDULED = ${JSON.stringify(CONTROL_SCHEDULED_PATH)};
const encoder = new TextEncoder();
function allowed(given, expected) {
  if (typeof given !== "string" || typeof expected !== "string" || expected === "") return false;
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}
export default {
  async fetch(request, env) {
    if (!allowed(request.headers.get(HEADER), env.RUNNER_SECRET)) return new Response("forbidden", { status: 403 });
    const url = new URL(request.url);
    if (url.pathname === SCHEDULED) {
      const { outcome } = await env.GLEANER.scheduled({ cron: url.searchParams.get("cron") ?? "", scheduledTime: new Date() });
      return Response.json({ outcome });
    }
    const headers = new Headers(request.headers);
    headers.delete(HEADER);
    return env.GLEANER.fetch(new Request(request, { headers }));
  },
};
`;

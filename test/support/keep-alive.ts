import http from "node:http";
import { Agent, setGlobalDispatcher } from "undici";

/**
 * How long a test or bench client keeps an idle connection to Gleaner before it closes it itself.
 *
 * workerd closes an idle keep-alive connection after 5 s and sends no `Keep-Alive: timeout=` hint (a worker's own
 * Keep-Alive header is stripped). Node's fetch keeps one for 4 s on a timer that ticks every ~0.5 s, and Node's
 * http agent for 5 s: on a loaded machine a request written on a connection workerd is closing that instant is
 * answered with ECONNRESET (CI saw one in the canary test). 2 s leaves a 3 s margin; a user's client is served the
 * same way (the SDK and `gleaner ship` send again when no answer came; see docs/operations.md).
 */
export const CLIENT_IDLE_KEEP_ALIVE_MS = 2_000;

/** Makes this process's fetch (undici's global dispatcher) and node:http's global agent close idle connections early. */
export function closeIdleConnectionsEarly(): void {
  setGlobalDispatcher(new Agent({ keepAliveTimeout: CLIENT_IDLE_KEEP_ALIVE_MS, keepAliveMaxTimeout: CLIENT_IDLE_KEEP_ALIVE_MS }));
  http.globalAgent = new http.Agent({ keepAlive: true, timeout: CLIENT_IDLE_KEEP_ALIVE_MS });
}

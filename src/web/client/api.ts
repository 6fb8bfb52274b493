import { adminToken, projectKey } from "./storage";

/** Which credential a call sends. */
export type Credential = "project" | "admin" | "none";

/** A call that did not answer 2xx: its status and the error body's code and message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** The route does not exist on this Gleaner (an older build, or one still being built). */
  get notAvailable(): boolean {
    return this.status === 404 && this.message.startsWith("no route for");
  }
}

/** Fired on window when Gleaner refuses a credential (401): main.ts asks for it again. */
export const UNAUTHORIZED = "gleaner:unauthorized";

export function authHeader(credential: Credential): Record<string, string> {
  const secret = credential === "admin" ? adminToken() : credential === "project" ? projectKey() : "";
  return secret ? { Authorization: `Bearer ${secret}` } : {};
}

/** A raw call to this Gleaner with the credential; failures (not 2xx) throw an ApiFailure. */
export async function call(path: string, credential: Credential, init: RequestInit = {}): Promise<Response> {
  const headers: Record<string, string> = { ...authHeader(credential), ...((init.headers as Record<string, string> | undefined) ?? {}) };
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { ...init, headers, cache: "no-store" });
  if (res.ok) return res;
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  const failure = new ApiFailure(res.status, body?.error?.code ?? "error", body?.error?.message ?? `answered ${res.status}`);
  if (res.status === 401 && credential !== "none") window.dispatchEvent(new CustomEvent(UNAUTHORIZED, { detail: { credential, message: failure.message } }));
  throw failure;
}

/** GET (or another method with a JSON body) answering JSON. */
export async function api<T>(path: string, credential: Credential, method = "GET", body?: unknown): Promise<T> {
  const res = await call(path, credential, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return (await res.json()) as T;
}

/** A query string from the set values of an object. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : "";
}

/** What to show for a failed call. */
export function describeFailure(err: unknown, what: string): string {
  if (err instanceof ApiFailure) {
    if (err.notAvailable) return `${what} is not available on this Gleaner yet (the route answered 404).`;
    return `${what}: ${err.status} ${err.code}: ${err.message}`;
  }
  return `${what}: Gleaner is not answering (${err instanceof Error ? err.message : String(err)})`;
}

/**
 * The credentials, kept in sessionStorage only, never localStorage: they
 * survive a reload and carry over to /docs in the same tab, but are never
 * written to disk and are gone when the tab closes. /docs
 * (src/openapi/reference/app.ts) reads the same `gleaner.adminToken` and
 * `gleaner.projectKey`. When storage is disabled they live in memory.
 */
const ADMIN = "gleaner.adminToken";
const CURRENT = "gleaner.projectKey";
const KEYS = "gleaner.projectKeys";

export interface ProjectKey {
  key: string;
  label: string;
}

const memory = new Map<string, string>();

function read(name: string): string {
  try {
    return sessionStorage.getItem(name) ?? "";
  } catch {
    return memory.get(name) ?? "";
  }
}

function write(name: string, value: string): void {
  memory.set(name, value);
  try {
    if (value) sessionStorage.setItem(name, value);
    else sessionStorage.removeItem(name);
  } catch {
    // Storage disabled: memory only.
  }
}

/** Earlier versions kept the admin token in localStorage: forget that copy. */
export function forgetLegacyCopies(): void {
  try {
    localStorage.removeItem(ADMIN);
  } catch {
    // Storage disabled.
  }
}

export const adminToken = (): string => read(ADMIN);
export const setAdminToken = (token: string): void => write(ADMIN, token);

export function projectKeys(): ProjectKey[] {
  try {
    const parsed: unknown = JSON.parse(read(KEYS) || "[]");
    return Array.isArray(parsed) ? parsed.filter((k): k is ProjectKey => typeof k?.key === "string" && typeof k?.label === "string") : [];
  } catch {
    return [];
  }
}

/** The key the project pages use: the picked one, else the first kept. */
export function projectKey(): string {
  const current = read(CURRENT);
  const keys = projectKeys();
  if (current && keys.some((k) => k.key === current)) return current;
  return keys[0]?.key ?? current;
}

export function addProjectKey(key: string, label: string): void {
  const keys = projectKeys().filter((k) => k.key !== key);
  keys.push({ key, label });
  write(KEYS, JSON.stringify(keys));
  write(CURRENT, key);
}

export function selectProjectKey(key: string): void {
  write(CURRENT, key);
}

export function forgetProjectKey(key: string): void {
  const keys = projectKeys().filter((k) => k.key !== key);
  write(KEYS, keys.length ? JSON.stringify(keys) : "");
  write(CURRENT, keys[0]?.key ?? "");
}

export function signOut(): void {
  write(KEYS, "");
  write(CURRENT, "");
  write(ADMIN, "");
}

/** The id part of a `glk_<id>_<secret>` key, or "" for another shape. */
export function keyId(key: string): string {
  return /^glk_([a-z0-9]{16})_/.exec(key)?.[1] ?? "";
}
